// `reticle inspect` for ENVI rasters: the header's sizes, type, layout, wavelengths and map grid,
// and whether the data file is there and large enough.

import Foundation
import Shared

public struct EnviInspector: FileInspector {
    public let kind = "hyperspectral"

    public init() {}

    /// A `.hdr` whose text starts with "ENVI", or a data file with such a header beside it.
    public func recognizes(path: String, header: [UInt8]) -> Bool {
        if path.lowercased().hasSuffix(".hdr") { return Self.startsWithENVI(header) }
        guard let h = EnviHeader.headerPath(forData: path),
              let bytes = try? FileHeader.read(path: h, count: 8) else { return false }
        return Self.startsWithENVI(bytes)
    }

    static func startsWithENVI(_ bytes: [UInt8]) -> Bool {
        let text = String(decoding: bytes.prefix(16), as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        return text.hasPrefix("ENVI")
    }

    /// Keys: kind, format, samples, lines, bands, data_type, interleave, byte_order, header_offset,
    /// file_type, wavelengths {count, first, last, units}, map_info, no_data, data_file, data_bytes.
    /// A header whose data file is absent still describes itself, with data_file null and `problem`
    /// saying why the cube cannot be read; a data file too short for the header is an error.
    public func inspect(path: String, options: InspectOptions) throws -> JSONObject {
        let headerPath = path.lowercased().hasSuffix(".hdr") ? path : (EnviHeader.headerPath(forData: path) ?? path)
        let h = try EnviHeader.read(path: headerPath)
        var o = JSONObject()
        o["kind"] = .string(kind)
        o["format"] = "ENVI"
        let samples = try h.samples(), lines = try h.lines(), bands = try h.bands()
        o["samples"] = samples.map { .int($0) } ?? .null
        o["lines"] = lines.map { .int($0) } ?? .null
        o["bands"] = bands.map { .int($0) } ?? .null
        let type = try? h.sampleType()
        o["data_type"] = type.map { .string($0.name) } ?? .null
        o["interleave"] = .string(try h.interleave())
        o["byte_order"] = .string(try h.isBigEndian() ? "big-endian" : "little-endian")
        o["header_offset"] = .int(try h.headerOffset())
        o["file_type"] = h.string("file type").map { .string($0) } ?? .null
        if let w = try h.wavelengths(), let first = w.first, let last = w.last {
            o["wavelengths"] = .object(["count": .int(w.count), "first": .number(first), "last": .number(last),
                                        "units": h.wavelengthUnits.map { .string($0) } ?? .null])
        } else {
            o["wavelengths"] = .null
        }
        if let m = h.mapInfo {
            o["map_info"] = .object(["projection": .string(m.projection), "pixel_size_x": .number(m.pixelSizeX),
                                     "pixel_size_y": .number(m.pixelSizeY), "easting": .number(m.easting),
                                     "northing": .number(m.northing), "units": m.units.map { .string($0) } ?? .null])
        } else {
            o["map_info"] = .null
        }
        o["no_data"] = h.noDataValue.map { .number($0) } ?? .null
        if let data = h.dataFile {
            o["data_file"] = .string(data)
            let size = ((try? FileManager.default.attributesOfItem(atPath: data))?[.size] as? Int) ?? 0
            o["data_bytes"] = .int(size)
            guard let samples, let lines, let bands else {
                throw ReticleError(.corrupt, file: headerPath, "header lacks one of 'samples', 'lines', 'bands'")
            }
            let t = try h.sampleType()
            let needed = try HyperspectralCube.byteCount(samples: samples, lines: lines, bands: bands, type: t, file: headerPath)
            let offset = try h.headerOffset()  // ≥ 0, so `size - offset` cannot overflow once offset ≤ size
            guard offset <= size, needed <= size - offset else {
                throw ReticleError(.corrupt, file: headerPath,
                                   "header describes \(needed) bytes of samples after 'header offset = \(offset)' but \(URL(fileURLWithPath: data).lastPathComponent) holds \(size)")
            }
        } else {
            o["data_file"] = .null
            o["problem"] = .string("no data file beside the header; only the header can be described")
        }
        return o
    }
}
