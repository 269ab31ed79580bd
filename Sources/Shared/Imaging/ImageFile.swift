// Reading and writing image files: the one entry point every domain uses. The
// format comes from the file's first bytes when reading and from the extension
// (or an explicit choice) when writing; writes are atomic (temp file + rename).

import Foundation

public enum ImageFile {
    /// Largest image (width × height × channels) any reader allocates: beyond it a header is
    /// lying or the file is not for a CPU workstation.
    public static let maxSamples = 1 << 31

    /// Decodes one page (TIFF) of `path`; other formats have only page 0.
    public static func read(path: String, page: Int = 0) throws -> Image {
        let format = try detect(path: path)
        if format != .tiff && page != 0 {
            throw ReticleError(.usage, file: path, "\(format.displayName) files have one page; asked for page \(page)")
        }
        switch format {
        case .tiff: return try TIFFCodec.read(path: path, page: page)
        case .png: return try PNGCodec.read(data: contents(path), path: path)
        case .jpeg: return try JPEGCodec.read(data: contents(path), path: path)
        case .bmp: return try BMPCodec.read(data: contents(path), path: path)
        }
    }

    /// Number of pages: TIFF directories, 1 for other formats.
    public static func pageCount(path: String) throws -> Int {
        try detect(path: path) == .tiff ? TIFFCodec.pageCount(path: path) : 1
    }

    /// Format, size, sample type, compression and calibration of one page, from headers only.
    public static func info(path: String, page: Int = 0) throws -> ImageFileInfo {
        let format = try detect(path: path)
        switch format {
        case .tiff: return try TIFFCodec.info(path: path, page: page)
        case .png: return try PNGCodec.info(data: contents(path), path: path)
        case .jpeg: return try JPEGCodec.info(data: contents(path), path: path)
        case .bmp: return try BMPCodec.info(data: contents(path), path: path)
        }
    }

    /// Writes `image` to `path` in `format` (default: from the extension). A partial file never
    /// appears: the data goes to a temporary file in the same folder, renamed when complete.
    public static func write(_ image: Image, to path: String, format: ImageFormat? = nil,
                             options: ImageWriteOptions = ImageWriteOptions()) throws {
        let format = try format ?? ImageFormat.forWriting(path: path)
        guard image.width > 0, image.height > 0 else {
            throw ReticleError(.usage, file: path, "cannot write an empty \(image.width)×\(image.height) image")
        }
        try atomically(path) { temp in
            switch format {
            case .png: try PNGCodec.write(image, to: temp, path: path)
            case .jpeg: try JPEGCodec.write(image, to: temp, path: path, quality: options.jpegQuality)
            case .tiff: try TIFFCodec.write([image], to: temp, path: path, options: options)
            case .bmp: try BMPCodec.write(image, to: temp, path: path)
            }
        }
    }

    /// Writes several images as the pages of one TIFF file.
    public static func write(pages: [Image], to path: String, options: ImageWriteOptions = ImageWriteOptions()) throws {
        guard !pages.isEmpty else { throw ReticleError(.usage, file: path, "no pages to write") }
        if let empty = pages.first(where: { $0.width == 0 || $0.height == 0 }) {
            throw ReticleError(.usage, file: path, "cannot write an empty \(empty.width)×\(empty.height) page")
        }
        try atomically(path) { temp in try TIFFCodec.write(pages, to: temp, path: path, options: options) }
    }

    // MARK: - Shared by the codecs

    static func detect(path: String) throws -> ImageFormat {
        let header = try FileHeader.read(path: path, count: 32)
        guard let format = ImageFormat.detect(header: header) else {
            throw ReticleError(.unsupported, file: path,
                               "not a PNG, JPEG, TIFF or BMP image; first bytes \(FileHeader.hexPrefix(header))")
        }
        return format
    }

    /// The whole file, memory-mapped: headers are read without touching the rest.
    static func contents(_ path: String) throws -> Data {
        do {
            return try Data(contentsOf: URL(fileURLWithPath: path), options: .alwaysMapped)
        } catch {
            throw ReticleError(.io, file: path, "cannot read: \(error.localizedDescription)")
        }
    }

    /// Refuses sizes no real image has before anything is allocated for them.
    static func checkSize(width: Int, height: Int, channels: Int, format: ImageFormat, path: String) throws {
        guard width > 0, height > 0 else {
            throw ReticleError(.corrupt, file: path, "\(format.displayName) header gives an empty size \(width)×\(height)")
        }
        let (n, overflow) = width.multipliedReportingOverflow(by: height)
        guard !overflow, n <= maxSamples / max(channels, 1) else {
            throw ReticleError(.corrupt, file: path,
                               "\(format.displayName) header claims \(width)×\(height) pixels × \(channels) channels, more than the \(maxSamples) samples Reticle reads")
        }
    }

    /// Text a C shim left in its error buffer.
    static func message(_ buffer: [CChar]) -> String {
        let text = buffer.withUnsafeBufferPointer { String(cString: $0.baseAddress!) }
        return text.isEmpty ? "unknown error" : text
    }

    private static func atomically(_ path: String, _ body: (String) throws -> Void) throws {
        let url = URL(fileURLWithPath: path)
        let temp = url.deletingLastPathComponent()
            .appendingPathComponent(".\(url.lastPathComponent).\(UUID().uuidString).tmp").path
        do {
            try body(temp)
            guard rename(temp, path) == 0 else {
                throw ReticleError(.io, file: path, "cannot move the finished file into place: \(String(cString: strerror(errno)))")
            }
        } catch {
            unlink(temp)
            if let e = error as? ReticleError { throw e.naming(path) }
            throw ReticleError(.io, file: path, "cannot write: \(error.localizedDescription)")
        }
    }
}
