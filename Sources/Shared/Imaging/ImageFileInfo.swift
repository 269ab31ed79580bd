// What an image file holds, read from its header without decoding the pixels.

import Foundation

public struct ImageFileInfo: Equatable, Sendable {
    /// How a TIFF page stores its pixels.
    public enum Layout: String, Codable, Sendable {
        case striped, tiled
    }

    public var format: ImageFormat
    public var width: Int
    public var height: Int
    /// Channels `ImageFile.read` delivers (palettes expand to RGB, extra bands beyond alpha are dropped).
    public var channels: Int
    /// Sample type `ImageFile.read` delivers.
    public var sampleType: SampleType
    /// Bits per sample as stored in the file (1, 4, 8, 16, 32 ...).
    public var bitDepth: Int
    public var pages: Int
    /// Lower-case codec name: "none", "deflate", "lzw", "jpeg", "packbits", "rle8" ...
    public var compression: String
    /// TIFF only.
    public var layout: Layout?
    public var calibration: Calibration?
    /// Why density fields in the file were not taken as a calibration; nil when there were none or they were.
    public var calibrationNote: String?

    public init(format: ImageFormat, width: Int, height: Int, channels: Int, sampleType: SampleType,
                bitDepth: Int, pages: Int = 1, compression: String, layout: Layout? = nil,
                calibration: Calibration? = nil, calibrationNote: String? = nil) {
        self.format = format
        self.width = width
        self.height = height
        self.channels = channels
        self.sampleType = sampleType
        self.bitDepth = bitDepth
        self.pages = pages
        self.compression = compression
        self.layout = layout
        self.calibration = calibration
        self.calibrationNote = calibrationNote
    }
}
