// Medical imaging: whole-slide images through OpenSlide and DICOM through dcmtk.
// See Slide/ and DICOM/ for the readers and their inspectors.

import Foundation
import Shared

public enum Medical {
    /// The inspectors this module contributes to `reticle inspect`, most specific first.
    public static let inspectors: [any FileInspector] = [DicomInspector(), SlideInspector()]

    /// The image formats this module lets other commands read (`ImageReader`): DICOM images.
    public static let imageDecoders: [any ImageDecoder] = [DicomImageDecoder()]

    /// A calibration as inspect output: µm per pixel in x and y, its source and detail; null when unknown.
    static func json(_ calibration: Calibration?) -> JSONValue {
        guard let c = calibration else { return .null }
        return .object(["um_per_px_x": .number(c.umPerPixelX), "um_per_px_y": .number(c.umPerPixelY),
                        "source": .string(c.source.rawValue), "detail": c.detail.map(JSONValue.string) ?? .null])
    }

    /// `v` to 12 significant digits, so that 0.000499 mm × 1000 reads 0.499 µm and not 0.49900000000000005.
    static func tidy(_ v: Double) -> Double {
        guard v.isFinite, v != 0 else { return v }
        return Double(String(format: "%.12g", v)) ?? v
    }
}
