// A scale bar burned into a generated micrograph as microscope software draws one: a solid
// white or black bar of known length in µm near the bottom-right corner, its label above.
// The right end is anti-aliased, so the bar's length in px need not be whole.

import Foundation
import Shared

public struct BurnedInScaleBar: Codable, Equatable, Sendable {
    /// What was burned in and where: the truth a scale-bar detector is checked against.
    public struct Placement: Equatable, Sendable {
        public var lengthUM: Double
        /// Exact length in px (end to end, the last pixel partly covered when fractional).
        public var lengthPx: Double
        public var polarity: ScaleBar.Polarity
        /// Pixels the bar touches.
        public var bar: PixelRect
        /// Pixels the label touches (nil without a label).
        public var label: PixelRect?

        /// Bar and label together: what analysis must leave out.
        public var annotation: PixelRect { label.map { bar.union($0) } ?? bar }

        public var json: JSONValue {
            ["length_um": .number(lengthUM), "length_px": .number(lengthPx), "polarity": .string(polarity.rawValue),
             "bar": bar.json, "label": label?.json ?? .null, "annotation": annotation.json]
        }
    }

    public var lengthUM: Double
    public var polarity: ScaleBar.Polarity
    public var withLabel: Bool

    public init(lengthUM: Double, polarity: ScaleBar.Polarity = .light, withLabel: Bool = true) {
        self.lengthUM = lengthUM
        self.polarity = polarity
        self.withLabel = withLabel
    }

    /// The label text, e.g. "50 µm".
    public var labelText: String {
        (lengthUM == lengthUM.rounded() ? String(Int(lengthUM)) : String(format: "%g", lengthUM)) + " µm"
    }

    /// Where the bar goes in a `width × height` image at `umPerPixel`.
    /// - Throws: `.usage` when the bar is shorter than 8 px or longer than 60 % of the width
    ///   (longer lines are rulers and frames to a detector, and software never draws them).
    public func placement(width: Int, height: Int, umPerPixel: Double) throws -> Placement {
        guard lengthUM.isFinite, lengthUM > 0 else { throw ReticleError(.usage, "scale bar length must be positive, got \(lengthUM) µm") }
        let lengthPx = lengthUM / umPerPixel
        guard lengthPx >= 8, lengthPx <= 0.6 * Double(width) else {
            throw ReticleError(.usage, "a \(labelText) scale bar is \(String(format: "%.1f", lengthPx)) px at \(umPerPixel) µm/px; "
                + "it must be 8 px to 60 % of the \(width) px width")
        }
        let thickness = max(3, Int((Double(height) / 100).rounded()))
        let margin = max(8, min(width, height) / 32)
        let xEnd = Double(width - margin)
        let x0 = Int((xEnd - lengthPx).rounded(.down))
        let bar = PixelRect(x0: x0, y0: height - margin - thickness, x1: Int((Double(x0) + lengthPx).rounded(.up)) - 1,
                            y1: height - margin - 1)
        var label: PixelRect?
        if withLabel {
            let scale = max(1, Int((Double(height) / 170).rounded()))
            let w = BlockFont.width(of: labelText, scale: scale), h = BlockFont.glyphHeight * scale
            let gap = max(3, thickness)
            label = PixelRect(x: min(width - w, max(0, x0 + Int(lengthPx.rounded()) / 2 - w / 2)), y: bar.y - gap - h, width: w, height: h)
        }
        guard bar.y >= 0, (label?.y ?? 0) >= 0 else {
            throw ReticleError(.usage, "a \(height) px tall image has no room for a scale bar and its label")
        }
        return Placement(lengthUM: lengthUM, lengthPx: lengthPx, polarity: polarity, bar: bar, label: label)
    }

    /// Burns the bar (and label) into row-major 8-bit grey `pixels`.
    func burn(into pixels: inout [UInt8], width: Int, height: Int, umPerPixel: Double) throws -> Placement {
        let place = try placement(width: width, height: height, umPerPixel: umPerPixel)
        let ink: Double = polarity == .light ? 255 : 0
        let xStart = Double(place.bar.x), xEnd = xStart + place.lengthPx
        for y in place.bar.y...place.bar.maxY {
            for x in place.bar.x...place.bar.maxX {
                let cover = min(Double(x + 1), xEnd) - max(Double(x), xStart)
                let p = y * width + x
                pixels[p] = UInt8((Double(pixels[p]) * (1 - cover) + ink * cover).rounded())
            }
        }
        if let label = place.label {
            BlockFont.draw(labelText, x0: label.x, y0: label.y, scale: label.height / BlockFont.glyphHeight) { x, y in
                if x >= 0, y >= 0, x < width, y < height { pixels[y * width + x] = UInt8(ink) }
            }
        }
        return place
    }
}
