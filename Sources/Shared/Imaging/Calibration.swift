// Physical pixel size and its provenance: a result never silently assumes a scale (DESIGN.md).

import Foundation

/// Where a pixel-size figure came from, in the order a user can override them.
public enum CalibrationSource: String, Codable, Sendable, CaseIterable {
    /// `--um-per-px` on the command line.
    case flag
    /// A key in a protocol file.
    case protocolFile = "protocol"
    /// An instrument profile (microscope + objective → µm/px).
    case instrumentProfile = "instrument-profile"
    /// Vendor metadata in a slide or DICOM file (for example Aperio MPP, PixelSpacing).
    case vendorMetadata = "vendor-metadata"
    /// TIFF XResolution/YResolution/ResolutionUnit.
    case tiffResolution = "tiff-resolution"
    /// ImageJ `ImageDescription` (`unit=`, `spacing=`).
    case imagejDescription = "imagej-description"
    /// A burned-in scale bar detected in the image.
    case scaleBar = "scale-bar"
}

/// Physical size of one pixel, in micrometres, with its source.
public struct Calibration: Codable, Equatable, Sendable {
    public var umPerPixelX: Double
    public var umPerPixelY: Double
    public var source: CalibrationSource
    /// Free text saying exactly which field or value it came from (e.g. "XResolution=2000/cm").
    public var detail: String?

    public init(umPerPixelX: Double, umPerPixelY: Double, source: CalibrationSource, detail: String? = nil) {
        self.umPerPixelX = umPerPixelX
        self.umPerPixelY = umPerPixelY
        self.source = source
        self.detail = detail
    }

    public init(umPerPixel: Double, source: CalibrationSource, detail: String? = nil) {
        self.init(umPerPixelX: umPerPixel, umPerPixelY: umPerPixel, source: source, detail: detail)
    }

    /// Mean of x and y pixel size; most analyses assume square pixels and check `isSquare`.
    public var umPerPixel: Double { (umPerPixelX + umPerPixelY) / 2 }

    /// True when x and y differ by less than 0.5 %.
    public var isSquare: Bool { abs(umPerPixelX - umPerPixelY) <= 0.005 * max(umPerPixelX, umPerPixelY) }

    /// A positive, finite calibration; anything else is a file's mistake, not a scale.
    public var isValid: Bool {
        umPerPixelX.isFinite && umPerPixelY.isFinite && umPerPixelX > 0 && umPerPixelY > 0
    }
}
