// A burned-in scale bar found in a micrograph: where it is, how long it is in pixels
// (sub-pixel, half-maximum to half-maximum) and the region analysis must leave out.

import Foundation
import Shared

public struct ScaleBar: Equatable, Sendable {
    /// Light bars are drawn near white on the image, dark bars near black.
    public enum Polarity: String, Codable, Sendable, CaseIterable {
        case light, dark
    }

    public var polarity: Polarity
    /// The pixels that passed the bar threshold (ends blurred across a pixel may be outside).
    public var bar: PixelRect
    /// x of the left and right half-maximum crossings, pixel centres at whole numbers: a sharp
    /// bar covering columns 10...134 has ends at 9.5 and 134.5.
    public var leftEdge: Double
    public var rightEdge: Double
    /// Bar, label and any plain box behind them, padded and clipped to the image: never analysed.
    public var mask: PixelRect
    /// Mean bar level minus mean surround level, in 0...1 of full scale (positive for both polarities).
    public var contrast: Double

    public init(polarity: Polarity, bar: PixelRect, leftEdge: Double, rightEdge: Double,
                mask: PixelRect, contrast: Double) {
        self.polarity = polarity
        self.bar = bar
        self.leftEdge = leftEdge
        self.rightEdge = rightEdge
        self.mask = mask
        self.contrast = contrast
    }

    /// Length in pixels between the two half-maximum crossings.
    public var lengthPx: Double { rightEdge - leftEdge }

    public var thicknessPx: Int { bar.height }

    /// µm per pixel when the bar stands for `lengthUM` micrometres.
    public func umPerPixel(lengthUM: Double) -> Double { lengthUM / lengthPx }

    /// Position, length and mask as written to result files.
    public var json: JSONObject {
        var o = JSONObject()
        o["polarity"] = .string(polarity.rawValue)
        o["x"] = .int(bar.x)
        o["y"] = .int(bar.y)
        o["width"] = .int(bar.width)
        o["height"] = .int(bar.height)
        o["length_px"] = .number((lengthPx * 1000).rounded() / 1000)
        o["left_edge"] = .number((leftEdge * 1000).rounded() / 1000)
        o["right_edge"] = .number((rightEdge * 1000).rounded() / 1000)
        o["contrast"] = .number((contrast * 1000).rounded() / 1000)
        o["mask"] = mask.json
        return o
    }
}
