// The outcome of calibrating one micrograph: the µm/px used and its source, every other
// figure found, the burned-in bar (whose mask analysis leaves out) and disagreements.

import Foundation
import Shared

public struct ResolvedCalibration: Equatable, Sendable {
    /// The figure used: µm/px, source, detail.
    public var calibration: Calibration
    /// Every figure found, in priority order; the first is `calibration`.
    public var figures: [Calibration]
    /// The burned-in bar, when one was found (with or without a known length).
    public var scaleBar: ScaleBar?
    /// The bar's length in µm when a flag, protocol or profile gave it.
    public var scaleBarUM: Double?
    /// Figures that disagree with the one used by more than the tolerance, non-square pixels.
    public var warnings: [String]

    public init(calibration: Calibration, figures: [Calibration], scaleBar: ScaleBar?, scaleBarUM: Double?,
                warnings: [String]) {
        self.calibration = calibration
        self.figures = figures
        self.scaleBar = scaleBar
        self.scaleBarUM = scaleBarUM
        self.warnings = warnings
    }

    public var umPerPixel: Double { calibration.umPerPixel }
    public var source: CalibrationSource { calibration.source }

    /// Regions no analysis may look at: the bar with its label and box.
    public var excludedRegions: [PixelRect] { scaleBar.map { [$0.mask] } ?? [] }

    /// `image` carrying the figure used.
    public func applied(to image: Image) -> Image {
        var out = image
        out.calibration = calibration
        return out
    }

    /// um_per_px (and _x/_y when not square), source, detail, scale_bar (or null), figures, warnings.
    public var json: JSONObject {
        var o = JSONObject()
        o["um_per_px"] = .number(calibration.umPerPixel)
        if !calibration.isSquare {
            o["um_per_px_x"] = .number(calibration.umPerPixelX)
            o["um_per_px_y"] = .number(calibration.umPerPixelY)
        }
        o["source"] = .string(calibration.source.rawValue)
        o["detail"] = calibration.detail.map(JSONValue.string) ?? .null
        if let bar = scaleBar {
            var b = bar.json
            b["length_um"] = scaleBarUM.map(JSONValue.number) ?? .null
            b["um_per_px"] = scaleBarUM.map { .number(bar.umPerPixel(lengthUM: $0)) } ?? .null
            o["scale_bar"] = .object(b)
        } else {
            o["scale_bar"] = .null
        }
        o["figures"] = .array(figures.map { f in
            ["source": .string(f.source.rawValue), "um_per_px": .number(f.umPerPixelX),
             "detail": f.detail.map(JSONValue.string) ?? .null]
        })
        o["warnings"] = .array(warnings.map(JSONValue.string))
        return o
    }
}
