// A tiled, pyramidal TIFF written one tile at a time, for images larger than memory (a generated
// 50k × 50k whole-slide image): only the tile being written is held. BigTIFF, so files may pass
// 4 GiB; pages after the first are marked reduced-resolution, as pyramid readers (OpenSlide's
// generic TIFF) require. Written to `<path>.part` and renamed when closed.

import CTIFF
import Foundation

public final class TiledTIFFWriter {
    public let path: String
    private let temp: String
    private var handle: OpaquePointer?
    private var pages = 0
    private var tileBytes = 0
    private var pageWidth = 0, pageHeight = 0

    public init(path: String) throws {
        self.path = path
        temp = path + ".part"
        var err = [CChar](repeating: 0, count: 512)
        guard let t = rt_tiff_open(temp, "w8", &err, err.count) else {
            throw ReticleError(.io, file: path, "TIFF: \(ImageFile.message(err))")
        }
        handle = t
    }

    deinit {
        if let handle {
            var err = [CChar](repeating: 0, count: 64)
            _ = rt_tiff_close(handle, &err, err.count)
            try? FileManager.default.removeItem(atPath: temp)
        }
    }

    /// Starts a page of `width × height` RGB uint8 in `tileSize` tiles (a multiple of 16).
    public func beginPage(width: Int, height: Int, tileSize: Int, compression: ImageWriteOptions.TIFFCompression = .jpeg,
                          jpegQuality: Int = 80, umPerPixel: Double? = nil) throws {
        guard let t = handle else { throw ReticleError(.usage, file: path, "TIFF writer already closed") }
        guard width > 0, height > 0, width <= Int(UInt32.max), height <= Int(UInt32.max) else {
            throw ReticleError(.usage, file: path, "page size \(width) × \(height) is empty or too large")
        }
        guard (16...65_536).contains(tileSize), tileSize % 16 == 0 else {
            throw ReticleError(.usage, file: path, "tile size \(tileSize) is not a multiple of 16 between 16 and 65536")
        }
        var spec = rt_tiff_page()
        spec.width = UInt32(width)
        spec.height = UInt32(height)
        spec.channels = 3
        spec.bits_per_sample = 8
        spec.sample_format = 1
        switch compression {
        case .none: spec.compression = 1
        case .lzw: spec.compression = 5
        case .jpeg: spec.compression = 7
        case .packbits: spec.compression = 32773
        case .deflate: spec.compression = 8
        }
        spec.jpeg_quality = Int32(max(1, min(100, jpegQuality)))
        spec.tile_width = UInt32(tileSize)
        spec.tile_height = UInt32(tileSize)
        if let umPerPixel, umPerPixel > 0 {
            spec.has_resolution = 1
            spec.x_resolution = 1e4 / umPerPixel
            spec.y_resolution = 1e4 / umPerPixel
        }
        spec.reduced_resolution = pages > 0 ? 1 : 0
        guard rt_tiff_begin_tiled_page(t, &spec) == 0 else {
            throw ReticleError(.io, file: path, "TIFF page \(pages): \(String(cString: rt_tiff_last_error(t)))")
        }
        tileBytes = tileSize * tileSize * 3
        pageWidth = width
        pageHeight = height
    }

    /// Writes the tile whose top-left pixel is (`x`, `y`): `tileSize² × 3` bytes, edge padding included.
    public func writeTile(x: Int, y: Int, rgb: [UInt8]) throws {
        guard let t = handle else { throw ReticleError(.usage, file: path, "TIFF writer already closed") }
        guard x >= 0, y >= 0, x < pageWidth, y < pageHeight else {
            throw ReticleError(.usage, file: path, "tile at \(x), \(y) lies outside the \(pageWidth) × \(pageHeight) page")
        }
        guard rgb.count == tileBytes else {
            throw ReticleError(.usage, file: path, "tile of \(rgb.count) bytes, the page's tiles hold \(tileBytes)")
        }
        let status = rgb.withUnsafeBytes { rt_tiff_write_tile(t, UInt32(x), UInt32(y), $0.baseAddress, $0.count) }
        guard status == 0 else { throw ReticleError(.io, file: path, "TIFF tile at \(x), \(y): \(String(cString: rt_tiff_last_error(t)))") }
    }

    public func finishPage() throws {
        guard let t = handle else { throw ReticleError(.usage, file: path, "TIFF writer already closed") }
        guard rt_tiff_finish_page(t) == 0 else {
            throw ReticleError(.io, file: path, "TIFF page \(pages): \(String(cString: rt_tiff_last_error(t)))")
        }
        pages += 1
    }

    /// Closes the file and moves it into place.
    public func close() throws {
        guard let t = handle else { return }
        handle = nil
        var err = [CChar](repeating: 0, count: 512)
        guard rt_tiff_close(t, &err, err.count) == 0 else {
            try? FileManager.default.removeItem(atPath: temp)
            throw ReticleError(.io, file: path, "TIFF: \(ImageFile.message(err))")
        }
        do {
            if FileManager.default.fileExists(atPath: path) { try FileManager.default.removeItem(atPath: path) }
            try FileManager.default.moveItem(atPath: temp, toPath: path)
        } catch {
            throw ReticleError(.io, file: path, "cannot move the finished TIFF into place: \(error.localizedDescription)")
        }
    }
}
