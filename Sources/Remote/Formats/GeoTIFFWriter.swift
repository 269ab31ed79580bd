// Writes a cube as a GeoTIFF that GDAL and QGIS open: one page, MinIsBlack with the extra bands
// "unspecified", the cube's georeferencing (its own GeoTIFF tags, or converted from ENVI map info)
// and GDAL_NODATA. Written beside the target and renamed, so a reader never sees half a file.

import CTIFF
import Foundation
import Shared

extension CubeSampleType: Codable {}

public struct GeoTIFFWriteOptions: Sendable, Codable, Equatable {
    public enum Compression: String, Sendable, Codable, CaseIterable { case none, lzw, deflate }
    /// `pixel`: bands interleaved per pixel (PlanarConfiguration 1, GDAL's default); `band`: one plane per band (2).
    public enum Interleave: String, Sendable, Codable, CaseIterable { case pixel, band }

    /// The stored type; nil keeps the cube's source type.
    public var sampleType: CubeSampleType?
    public var compression: Compression = .deflate
    public var interleave: Interleave = .pixel
    /// Square tiles of this size (a multiple of 16), or nil for strips.
    public var tileSize: Int?

    public init(sampleType: CubeSampleType? = nil, compression: Compression = .deflate,
                interleave: Interleave = .pixel, tileSize: Int? = nil) {
        self.sampleType = sampleType
        self.compression = compression
        self.interleave = interleave
        self.tileSize = tileSize
    }
}

public enum GeoTIFFWriter {
    public static func write(_ cube: HyperspectralCube, to path: String, options: GeoTIFFWriteOptions = .init()) throws {
        let type = options.sampleType ?? cube.sourceType
        if let t = options.tileSize, !(t >= 16 && t % 16 == 0 && t <= 65536) {
            throw ReticleError(.usage, file: path, "GeoTIFF tile size must be a multiple of 16 from 16 to 65536, got \(t)")
        }
        guard cube.bands <= Int(UInt16.max), cube.samples <= Int(UInt32.max), cube.lines <= Int(UInt32.max) else {
            throw ReticleError(.usage, file: path, "a \(cube.samples) × \(cube.lines) × \(cube.bands) cube exceeds TIFF's limits")
        }
        let bytes = type.encode(cube.values)
        let url = URL(fileURLWithPath: path)
        let temp = url.deletingLastPathComponent()
            .appendingPathComponent(".\(url.lastPathComponent)\(AtomicFile.temporaryMarker)\(UUID().uuidString.prefix(8))").path
        var err = [CChar](repeating: 0, count: 512)
        // Classic TIFF offsets are 32-bit: switch to BigTIFF well before 4 GiB.
        guard let g = rt_geo_open(temp, bytes.count > 3 << 30 ? "w8" : "w", &err, err.count) else {
            throw ReticleError(.io, file: path, "cannot create: \(GeoTIFFReader.text(err))")
        }
        var status: Int32 = 0
        var failure = ""
        let ref = cube.effectiveGeoReference ?? GeoReference()
        let nodata = cube.noDataValue.map(noDataText)
        ref.pixelScale.withUnsafeBufferPointer { scale in
        ref.tiepoints.withUnsafeBufferPointer { ties in
        ref.transformation.withUnsafeBufferPointer { matrix in
        ref.geoKeys.withUnsafeBufferPointer { keys in
        ref.doubleParams.withUnsafeBufferPointer { doubles in
        ref.asciiParams.withCString { ascii in
        (nodata ?? "").withCString { nd in
            var page = rt_geo_page()
            page.width = UInt32(cube.samples)
            page.height = UInt32(cube.lines)
            page.bands = UInt16(cube.bands)
            page.bits_per_sample = UInt16(type.byteCount * 8)
            page.sample_format = type.tiffSampleFormat
            page.compression = options.compression == .none ? 1 : options.compression == .lzw ? 5 : 8
            page.planar_config = options.interleave == .pixel ? 1 : 2
            page.tile_width = UInt32(options.tileSize ?? 0)
            page.tile_height = UInt32(options.tileSize ?? 0)
            page.pixel_scale = scale.baseAddress; page.pixel_scale_count = UInt32(scale.count)
            page.tiepoints = ties.baseAddress; page.tiepoint_count = UInt32(ties.count)
            page.transformation = matrix.baseAddress; page.transformation_count = UInt32(matrix.count)
            page.geokeys = keys.baseAddress; page.geokey_count = UInt32(keys.count)
            page.double_params = doubles.baseAddress; page.double_param_count = UInt32(doubles.count)
            page.ascii_params = ref.asciiParams.isEmpty ? nil : ascii
            page.nodata = nodata == nil ? nil : nd
            status = bytes.withUnsafeBytes { rt_geo_write(g, &page, $0.baseAddress) }
            if status != 0 { failure = GeoTIFFReader.message(g) }
        }}}}}}}
        var closeErr = [CChar](repeating: 0, count: 512)
        let closed = rt_tiff_close(g, &closeErr, closeErr.count)
        guard status == 0, closed == 0 else {
            try? FileManager.default.removeItem(atPath: temp)
            throw ReticleError(.io, file: path, "cannot write GeoTIFF: \(status != 0 ? failure : GeoTIFFReader.text(closeErr))")
        }
        do {
            if FileManager.default.fileExists(atPath: path) { try FileManager.default.removeItem(atPath: path) }
            try FileManager.default.moveItem(atPath: temp, toPath: path)
        } catch {
            try? FileManager.default.removeItem(atPath: temp)
            throw ReticleError(.io, file: path, "cannot move the written GeoTIFF into place: \(error.localizedDescription)")
        }
    }

    /// GDAL's spelling: "nan", an integer without a decimal point, else the shortest exact decimal.
    static func noDataText(_ v: Double) -> String {
        if v.isNaN { return "nan" }
        if v == v.rounded(), abs(v) < 1e15 { return String(Int64(v)) }
        return "\(v)"
    }
}
