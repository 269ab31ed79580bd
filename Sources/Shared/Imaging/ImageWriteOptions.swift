// Choices for `ImageFile.write`: TIFF compression and layout, JPEG quality.

import Foundation

public struct ImageWriteOptions: Equatable, Sendable {
    public enum TIFFCompression: String, Codable, Sendable, CaseIterable {
        case none, lzw, deflate, packbits
        /// Lossy; 8-bit gray or RGB only.
        case jpeg
    }

    /// Lossless Deflate by default: smaller than LZW on micrographs and read by every TIFF tool.
    public var tiffCompression: TIFFCompression
    /// Tile edge in pixels (a multiple of 16, as TIFF requires), or nil for strips.
    public var tiffTileSize: Int?
    /// 1–100, for JPEG files and JPEG-compressed TIFF.
    public var jpegQuality: Int

    public init(tiffCompression: TIFFCompression = .deflate, tiffTileSize: Int? = nil, jpegQuality: Int = 95) {
        self.tiffCompression = tiffCompression
        self.tiffTileSize = tiffTileSize
        self.jpegQuality = jpegQuality
    }
}
