// Reads a GeoTIFF raster (any band count; strips or tiles; contiguous or separate planes;
// whatever compression libtiff decodes; 8–64-bit integer or float samples) into a
// HyperspectralCube with its georeferencing (GeoReference) and GDAL no-data value.

import CTIFF
import Foundation
import Shared

/// What a GeoTIFF's first page stores, before any pixel is decoded.
public struct GeoTIFFInfo: Sendable {
    public let width: Int
    public let height: Int
    public let bands: Int
    public let sampleType: CubeSampleType
    /// tifffile's names: NONE, LZW, JPEG, ADOBE_DEFLATE, DEFLATE, PACKBITS, ZSTD, ...
    public let compression: String
    public let tiled: Bool
    public let tileWidth: Int
    public let tileHeight: Int
    public let rowsPerStrip: Int
    /// 1 contiguous (pixel-interleaved), 2 separate (band planes).
    public let planarConfiguration: Int
    public let pages: Int
    public let geoReference: GeoReference
    /// GDAL_NODATA as stored (text: "0", "-9999", "nan").
    public let noData: String?

    /// The no-data text as a number ("nan" → NaN), or nil.
    public var noDataValue: Double? {
        guard let t = noData?.trimmingCharacters(in: .whitespaces) else { return nil }
        return t.lowercased() == "nan" ? .nan : Double(t)
    }
}

public enum GeoTIFFReader {
    static let compressionNames: [UInt16: String] = [
        1: "NONE", 2: "CCITTRLE", 5: "LZW", 6: "OJPEG", 7: "JPEG", 8: "ADOBE_DEFLATE", 32773: "PACKBITS",
        32946: "DEFLATE", 34925: "LZMA", 50000: "ZSTD", 50001: "WEBP", 34887: "LERC",
    ]

    /// The first page's layout and georeferencing.
    public static func info(_ path: String) throws -> GeoTIFFInfo {
        let g = try open(path)
        defer { close(g) }
        return try describe(g, path: path).info
    }

    /// The first page as a cube (samples = width, lines = height, bands = samples per pixel).
    public static func read(_ path: String) throws -> HyperspectralCube {
        let g = try open(path)
        defer { close(g) }
        let (info, _) = try describe(g, path: path)
        let size = try HyperspectralCube.byteCount(samples: info.width, lines: info.height, bands: info.bands,
                                                   type: info.sampleType, file: path)
        try checkPlausible(size: size, info: info, path: path)
        var raw = [UInt8](repeating: 0, count: size)
        let status = raw.withUnsafeMutableBytes { rt_geo_read_bands(g, $0.baseAddress, size) }
        guard status == 0 else { throw ReticleError(.corrupt, file: path, "GeoTIFF: \(message(g))") }
        var values = [Float](repeating: 0, count: info.width * info.height * info.bands)
        raw.withUnsafeBytes { src in
            values.withUnsafeMutableBufferPointer { dst in
                info.sampleType.convert(src.baseAddress!, count: dst.count, swapped: false, into: dst.baseAddress!, stride: 1)
            }
        }
        var cube = HyperspectralCube(samples: info.width, lines: info.height, bands: info.bands, values: values,
                                     sourceType: info.sampleType, source: path, mapInfo: info.geoReference.mapInfo,
                                     noDataValue: info.noDataValue)
        cube.geoReference = info.geoReference.isEmpty ? nil : info.geoReference
        return cube
    }

    /// A header claiming more samples than the file could hold fails before the buffer is allocated:
    /// uncompressed data must fit in the file, compressed data within libtiff's worst ratios, and
    /// the whole within physical memory.
    static func checkPlausible(size: Int, info: GeoTIFFInfo, path: String) throws {
        let fileSize = ((try? FileManager.default.attributesOfItem(atPath: path))?[.size] as? Int) ?? 0
        let limit = info.compression == "NONE" ? fileSize : fileSize.multipliedReportingOverflow(by: 4096).partialValue
        guard size <= limit else {
            throw ReticleError(.corrupt, file: path,
                               "GeoTIFF: \(info.width) × \(info.height) × \(info.bands) \(info.sampleType.name) samples (\(size) bytes) cannot come from a \(fileSize)-byte \(info.compression) file; truncated or corrupt")
        }
        let memory = Int(clamping: ProcessInfo.processInfo.physicalMemory)
        guard size / info.sampleType.byteCount * 4 + size < memory / 2 else {
            throw ReticleError(.unsupported, file: path, "GeoTIFF: \(size) bytes of samples do not fit in half of this machine's memory")
        }
    }

    // MARK: - libtiff

    static func open(_ path: String) throws -> OpaquePointer {
        var isDir: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDir), !isDir.boolValue else {
            throw ReticleError(.io, file: path, isDir.boolValue ? "is a folder, not a file" : "no such file")
        }
        var err = [CChar](repeating: 0, count: 512)
        guard let g = rt_geo_open(path, "r", &err, err.count) else {
            throw ReticleError(.corrupt, file: path, "GeoTIFF: \(text(err))")
        }
        return g
    }

    static func close(_ g: OpaquePointer) {
        var err = [CChar](repeating: 0, count: 512)
        _ = rt_tiff_close(g, &err, err.count)
    }

    static func text(_ buffer: [CChar]) -> String {
        let s = buffer.withUnsafeBufferPointer { String(cString: $0.baseAddress!) }
        return s.isEmpty ? "unreadable" : s
    }

    static func message(_ g: OpaquePointer) -> String {
        let s = String(cString: rt_tiff_last_error(g))
        return s.isEmpty ? "unreadable" : s
    }

    static func describe(_ g: OpaquePointer, path: String) throws -> (info: GeoTIFFInfo, raw: rt_geo_info) {
        _ = try TIFFDirectory(ByteReader.open(path))
        var raw = rt_geo_info()
        guard rt_geo_read_info(g, &raw) == 0 else { throw ReticleError(.corrupt, file: path, "GeoTIFF: \(message(g))") }
        guard raw.width > 0, raw.height > 0, raw.samples_per_pixel > 0 else {
            throw ReticleError(.corrupt, file: path, "GeoTIFF: the page is \(raw.width) × \(raw.height) with \(raw.samples_per_pixel) samples per pixel")
        }
        guard let type = CubeSampleType.tiff(sampleFormat: raw.sample_format, bits: raw.bits_per_sample) else {
            throw ReticleError(.unsupported, file: path,
                               "GeoTIFF: \(raw.bits_per_sample)-bit samples of sample format \(raw.sample_format) are not read (8–64-bit integer or float only)")
        }
        var ref = GeoReference()
        // Tag arrays are bounded by libtiff's own allocation cap; the counts size exact buffers.
        var scale = [Double](repeating: 0, count: Int(raw.pixel_scale_count))
        var ties = [Double](repeating: 0, count: Int(raw.tiepoint_count))
        var matrix = [Double](repeating: 0, count: Int(raw.transformation_count))
        var keys = [UInt16](repeating: 0, count: Int(raw.geokey_count))
        var doubles = [Double](repeating: 0, count: Int(raw.double_param_count))
        var ascii = [CChar](repeating: 0, count: Int(raw.ascii_param_length) + 1)
        _ = rt_geo_read_tags(g, &scale, &ties, &matrix, &keys, &doubles, &ascii)
        ref.pixelScale = scale
        ref.tiepoints = ties
        ref.transformation = matrix.count == 16 ? matrix : []
        ref.geoKeys = keys
        ref.doubleParams = doubles
        ref.asciiParams = ascii.withUnsafeBufferPointer { String(cString: $0.baseAddress!) }
        if keys.count >= 4 {
            let declared = 4 + 4 * Int(keys[3])
            guard declared <= keys.count else {
                throw ReticleError(.corrupt, file: path, "GeoTIFF: the GeoKey directory declares \(keys[3]) keys but holds \((keys.count - 4) / 4)")
            }
        }
        var nodata: String? = nil
        if raw.has_nodata != 0 {
            let bytes: [UInt8] = withUnsafeBytes(of: raw.nodata) { Array($0) }
            nodata = String(decoding: bytes.prefix { $0 != 0 }, as: UTF8.self)
        }
        let compression: String = compressionNames[raw.compression] ?? String(raw.compression)
        let info = GeoTIFFInfo(width: Int(raw.width), height: Int(raw.height), bands: Int(raw.samples_per_pixel),
                               sampleType: type, compression: compression,
                               tiled: raw.tiled != 0, tileWidth: Int(raw.tile_width), tileHeight: Int(raw.tile_height),
                               rowsPerStrip: Int(raw.rows_per_strip), planarConfiguration: Int(raw.planar_config),
                               pages: Int(raw.pages), geoReference: ref, noData: nodata)
        return (info, raw)
    }
}
