// Writes a cube as an ENVI raster (flat binary + text .hdr) in any interleave and data type,
// with map info, wavelengths and the no-data value, so that EnviReader (and ENVI/SPy/GDAL)
// read back what was written. Both files go through a temporary name and a rename.

import Foundation
import Shared

public struct EnviWriteOptions: Sendable, Codable, Equatable {
    public enum Interleave: String, Sendable, Codable, CaseIterable { case bsq, bil, bip }

    public var interleave: Interleave = .bsq
    /// Stored type; nil keeps the cube's source type.
    public var sampleType: CubeSampleType?
    /// Class names for a label raster (0 = unlabelled first): written as an ENVI Classification file.
    public var classNames: [String]?
    public var description: String = "Written by Reticle"

    public init(interleave: Interleave = .bsq, sampleType: CubeSampleType? = nil, classNames: [String]? = nil) {
        self.interleave = interleave
        self.sampleType = sampleType
        self.classNames = classNames
    }
}

public enum EnviWriter {
    /// ENVI data type code of each sample type (int8 has none; it is widened to int16).
    static let codes: [CubeSampleType: Int] = [.uint8: 1, .int16: 2, .int32: 3, .float32: 4, .float64: 5,
                                               .uint16: 12, .uint32: 13, .int64: 14, .uint64: 15]

    /// Where the header of data file `path` goes: `x.img` → `x.hdr`, `x` → `x.hdr`.
    public static func headerPath(forData path: String) -> String {
        let url = URL(fileURLWithPath: path)
        return url.pathExtension.isEmpty ? path + ".hdr" : url.deletingPathExtension().path + ".hdr"
    }

    /// Writes the data file at `path` and its header beside it; returns the header's path.
    @discardableResult
    public static func write(_ cube: HyperspectralCube, to path: String, options: EnviWriteOptions = .init()) throws -> String {
        guard !path.lowercased().hasSuffix(".hdr") else {
            throw ReticleError(.usage, file: path, "give the data file's path (e.g. cube.img); the .hdr is written beside it")
        }
        var type = options.sampleType ?? cube.sourceType
        if type == .int8 { type = .int16 }
        let code = codes[type]!
        let plane = cube.lines * cube.samples
        // Reorder from the cube's BSQ into the file's interleave, then pack.
        var ordered: [Float]
        switch options.interleave {
        case .bsq:
            ordered = cube.values
        case .bil:
            ordered = [Float](repeating: 0, count: cube.values.count)
            for l in 0..<cube.lines {
                for b in 0..<cube.bands {
                    let src = b * plane + l * cube.samples, dst = (l * cube.bands + b) * cube.samples
                    for s in 0..<cube.samples { ordered[dst + s] = cube.values[src + s] }
                }
            }
        case .bip:
            ordered = [Float](repeating: 0, count: cube.values.count)
            for b in 0..<cube.bands {
                for p in 0..<plane { ordered[p * cube.bands + b] = cube.values[b * plane + p] }
            }
        }
        let data = Data(type.encode(ordered))
        let header = headerText(cube, code: code, options: options)
        let headerPath = headerPath(forData: path)
        do {
            try AtomicFile.write(data, to: URL(fileURLWithPath: path))
            try AtomicFile.write(header, to: URL(fileURLWithPath: headerPath))
        } catch let e as ReticleError {
            throw e
        } catch {
            throw ReticleError(.io, file: path, "cannot write: \(error.localizedDescription)")
        }
        return headerPath
    }

    static func number(_ v: Double) -> String {
        v == v.rounded() && abs(v) < 1e15 ? String(Int64(v)) : "\(v)"
    }

    static func headerText(_ cube: HyperspectralCube, code: Int, options: EnviWriteOptions) -> String {
        var lines = ["ENVI",
                     "description = {\(options.description.replacingOccurrences(of: "}", with: ")"))}",
                     "samples = \(cube.samples)", "lines = \(cube.lines)", "bands = \(cube.bands)",
                     "header offset = 0",
                     "file type = \(options.classNames == nil ? "ENVI Standard" : "ENVI Classification")",
                     "data type = \(code)", "interleave = \(options.interleave.rawValue)", "byte order = 0"]
        if let names = options.classNames {
            lines.append("classes = \(names.count)")
            lines.append("class names = {\(names.map { $0.replacingOccurrences(of: ",", with: ";") }.joined(separator: ", "))}")
        }
        if let m = cube.mapInfo ?? cube.geoReference?.mapInfo {
            var items = [m.projection, number(m.referencePixelX), number(m.referencePixelY), number(m.easting),
                         number(m.northing), number(m.pixelSizeX), number(m.pixelSizeY)]
            if let zone = m.zone { items += [String(zone), m.hemisphere ?? "North"] }
            if let datum = m.datum { items.append(datum) }
            if let units = m.units { items.append("units=\(units)") }
            lines.append("map info = {\(items.joined(separator: ", "))}")
        }
        if let w = cube.wavelengths, w.count == cube.bands {
            lines.append("wavelength units = \(cube.wavelengthUnits ?? "nm")")
            lines.append("wavelength = {\(w.map(number).joined(separator: ", "))}")
        }
        if let nd = cube.noDataValue, !nd.isNaN { lines.append("data ignore value = \(number(nd))") }
        return lines.joined(separator: "\n") + "\n"
    }
}
