// The raster formats `ImageFile` reads and writes, recognised by their first bytes
// (reading) or by the path's extension (writing).

import Foundation

public enum ImageFormat: String, Codable, Sendable, CaseIterable {
    case png, jpeg, tiff, bmp

    /// The format whose signature starts `header`, or nil. Needs at most 18 bytes.
    public static func detect(header: [UInt8]) -> ImageFormat? {
        func starts(_ magic: [UInt8]) -> Bool { header.count >= magic.count && Array(header.prefix(magic.count)) == magic }
        if starts([0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]) { return .png }
        if starts([0xFF, 0xD8, 0xFF]) { return .jpeg }
        // Classic TIFF (42) and BigTIFF (43), either byte order.
        if starts([0x49, 0x49, 0x2A, 0x00]) || starts([0x4D, 0x4D, 0x00, 0x2A])
            || starts([0x49, 0x49, 0x2B, 0x00]) || starts([0x4D, 0x4D, 0x00, 0x2B]) { return .tiff }
        // "BM" alone is too common a pair of bytes; the DIB header size must be one BMP defines.
        if starts([0x42, 0x4D]) && header.count >= 18 {
            let dib = Int(header[14]) | Int(header[15]) << 8 | Int(header[16]) << 16 | Int(header[17]) << 24
            if [12, 40, 52, 56, 64, 108, 124].contains(dib) { return .bmp }
        }
        return nil
    }

    /// The format a path's extension names ("png", "jpg"/"jpeg", "tif"/"tiff", "bmp"), case-insensitive.
    public init?(pathExtension ext: String) {
        switch ext.lowercased() {
        case "png": self = .png
        case "jpg", "jpeg", "jpe": self = .jpeg
        case "tif", "tiff": self = .tiff
        case "bmp", "dib": self = .bmp
        default: return nil
        }
    }

    /// The format to write `path` in, from its extension.
    public static func forWriting(path: String) throws -> ImageFormat {
        let ext = (path as NSString).pathExtension
        guard let format = ImageFormat(pathExtension: ext) else {
            throw ReticleError(.usage, file: path,
                               "cannot tell the image format from the extension \"\(ext)\"; use .png, .jpg, .tif or .bmp")
        }
        return format
    }

    /// The usual extension for new files.
    public var fileExtension: String {
        switch self {
        case .png: return "png"
        case .jpeg: return "jpg"
        case .tiff: return "tif"
        case .bmp: return "bmp"
        }
    }

    /// Human-readable name for messages and `reticle inspect`.
    public var displayName: String { rawValue.uppercased() }
}
