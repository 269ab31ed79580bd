// Reads an ENVI raster (text .hdr + flat binary data file) into a HyperspectralCube:
// any of bsq/bil/bip, data types 1–5 and 12–15, either byte order, a header offset.

import Foundation
import Shared

public enum EnviReader {
    /// Reads the cube described by the header at `path` (or by the header beside data file `path`).
    public static func read(_ path: String) throws -> HyperspectralCube {
        let headerPath: String
        if path.lowercased().hasSuffix(".hdr") {
            headerPath = path
        } else if let h = EnviHeader.headerPath(forData: path) {
            headerPath = h
        } else {
            throw ReticleError(.unsupported, file: path, "no ENVI header (.hdr) beside this data file")
        }
        return try read(header: EnviHeader.read(path: headerPath))
    }

    /// Reads the data file a parsed header points to.
    public static func read(header: EnviHeader) throws -> HyperspectralCube {
        let file = header.path
        guard let samples = try header.samples(), let lines = try header.lines(), let bands = try header.bands() else {
            throw ReticleError(.corrupt, file: file, "header lacks one of 'samples', 'lines', 'bands'")
        }
        guard let dataPath = header.dataFile else {
            let tried = header.dataFileCandidates.map { URL(fileURLWithPath: $0).lastPathComponent }.prefix(6)
            let kind = header.string("file type").map { " (file type '\($0)')" } ?? ""
            throw ReticleError(.io, file: file,
                               "ENVI header\(kind) has no data file beside it; looked for \(tried.joined(separator: ", ")), ...")
        }
        let type = try header.sampleType()
        let interleave = try header.interleave()
        let swapped = try header.isBigEndian() != (UInt16(1).bigEndian == 1)
        let offset = try header.headerOffset()
        let needed = try HyperspectralCube.byteCount(samples: samples, lines: lines, bands: bands, type: type, file: file)

        let data = try ByteReader.open(dataPath)
        // Both checks are overflow-free: offset ≥ 0 and needed > 0 were checked above.
        guard offset <= data.count, needed <= data.count - offset else {
            throw ReticleError(.corrupt, file: dataPath,
                               "header \(URL(fileURLWithPath: file).lastPathComponent) describes \(samples) × \(lines) × \(bands) \(type.name) samples (\(needed) bytes after 'header offset = \(offset)') but the data file holds \(data.count) bytes")
        }

        let plane = samples * lines
        var values = [Float](repeating: 0, count: plane * bands)
        let size = type.byteCount
        data.bytes.withUnsafeBytes { raw in
            let src = raw.baseAddress! + offset
            values.withUnsafeMutableBufferPointer { out in
                let dst = out.baseAddress!
                switch interleave {
                case "bsq":
                    // File order is the cube's order: one run.
                    type.convert(src, count: plane * bands, swapped: swapped, into: dst, stride: 1)
                case "bil":
                    // Per line, one run of `samples` per band.
                    for l in 0..<lines {
                        for b in 0..<bands {
                            type.convert(src + ((l * bands + b) * samples) * size, count: samples, swapped: swapped,
                                         into: dst + b * plane + l * samples, stride: 1)
                        }
                    }
                default:
                    // bip: per pixel, one run of `bands`, scattered one plane apart.
                    for l in 0..<lines {
                        for s in 0..<samples {
                            type.convert(src + ((l * samples + s) * bands) * size, count: bands, swapped: swapped,
                                         into: dst + l * samples + s, stride: plane)
                        }
                    }
                }
            }
        }

        var wavelengths = try header.wavelengths()
        if let w = wavelengths, w.count != bands {
            // A wavelength list that does not match the bands cannot be attached to them.
            wavelengths = nil
        }
        return HyperspectralCube(samples: samples, lines: lines, bands: bands, values: values, sourceType: type,
                                 source: dataPath, wavelengths: wavelengths, wavelengthUnits: header.wavelengthUnits,
                                 mapInfo: header.mapInfo, noDataValue: header.noDataValue)
    }
}
