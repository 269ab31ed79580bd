// `reticle inspect` for plain images (PNG, JPEG, TIFF, BMP): headers only, no pixels
// decoded. Registered last, after the slide and DICOM inspectors that also claim TIFFs.

import Foundation

public struct ImageInspector: FileInspector {
    public let kind = "image"

    public init() {}

    public func recognizes(path: String, header: [UInt8]) -> Bool {
        ImageFormat.detect(header: header) != nil
    }

    public var extensions: [String] { ["png", "tif", "tiff", "jpg", "jpeg", "bmp"] }

    /// Keys: kind, format, width, height, channels, bit_depth, sample_type, pages, compression,
    /// layout ("tiled"/"striped" for TIFF, else null), calibration (object or null, then
    /// calibration_note: "none in file", or why the file's density is not a scale, e.g. a 300 dpi print default).
    public func inspect(path: String, options: InspectOptions) throws -> JSONObject {
        let info = try ImageFile.info(path: path)
        var o = JSONObject()
        o["kind"] = .string(kind)
        o["format"] = .string(info.format.rawValue)
        o["width"] = .int(info.width)
        o["height"] = .int(info.height)
        o["channels"] = .int(info.channels)
        o["bit_depth"] = .int(info.bitDepth)
        o["sample_type"] = .string(info.sampleType.rawValue)
        o["pages"] = .int(info.pages)
        o["compression"] = .string(info.compression)
        o["layout"] = info.layout.map { .string($0.rawValue) } ?? .null
        if let c = info.calibration {
            var cal = JSONObject()
            cal["um_per_px_x"] = .number(c.umPerPixelX)
            cal["um_per_px_y"] = .number(c.umPerPixelY)
            cal["source"] = .string(c.source.rawValue)
            cal["detail"] = c.detail.map { .string($0) } ?? .null
            o["calibration"] = .object(cal)
        } else {
            o["calibration"] = .null
            o["calibration_note"] = .string(info.calibrationNote ?? "none in file")
        }
        return o
    }
}
