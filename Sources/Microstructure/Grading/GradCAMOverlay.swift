// Grad-CAM overlays a lab can read: the map over the micrograph as it was taken, at a fixed
// display size whatever the input µm/px (so the structure is visible and every overlay in a
// report compares), with a colour legend and the explained class written under it; and the
// same overlay at the image's full resolution as a separate file.

import Foundation
import Shared

public enum GradCAMOverlay {
    /// Long side of the displayed overlay in pixels.
    public static let displaySide = 768
    /// Height of the legend strip under the displayed overlay.
    static let legendHeight = 40

    /// The overlay at `displaySide` px on the long side, with the legend strip below.
    public static func display(_ gray: Image, map: SaliencyMap, explained: String) throws -> Image {
        let f = Double(displaySide) / Double(max(gray.width, gray.height))
        var g = gray.grayscale()
        g.calibration = nil
        let resized = try Resampler.resample(g, width: max(1, Int((Double(gray.width) * f).rounded())),
                                             height: max(1, Int((Double(gray.height) * f).rounded())))
        let overlay = HeatmapOverlay().render(resized, map: map)
        guard case .uint8(let px) = overlay.storage else { return overlay }
        let w = overlay.width, h = overlay.height + legendHeight
        var out = [UInt8](repeating: 255, count: w * h * 3)
        out.replaceSubrange(0..<px.count, with: px)
        // Colour ramp 0 → 1 with its end labels, then the class explained.
        let rampX = 8, rampW = min(160, w / 3), rampY = overlay.height + 10, rampH = 14
        for x in 0..<rampW {
            let (r, gg, b) = HeatmapOverlay.colour(Float(x) / Float(max(rampW - 1, 1)))
            for y in rampY..<(rampY + rampH) {
                let i = (y * w + rampX + x) * 3
                out[i] = UInt8(r * 255); out[i + 1] = UInt8(gg * 255); out[i + 2] = UInt8(b * 255)
            }
        }
        func text(_ s: String, _ x0: Int, _ y0: Int) {
            BlockFont.draw(s, x0: x0, y0: y0, scale: 2) { x, y in
                guard x >= 0, y >= 0, x < w, y < h else { return }
                let i = (y * w + x) * 3
                out[i] = 0; out[i + 1] = 0; out[i + 2] = 0
            }
        }
        text("0", rampX, rampY + rampH + 2 > h - 14 ? rampY : rampY + rampH + 2)
        text("1", rampX + rampW - 10, rampY + rampH + 2 > h - 14 ? rampY : rampY + rampH + 2)
        text("grad-cam: " + explained, rampX + rampW + 16, rampY)
        return Image(width: w, height: h, channels: 3, storage: .uint8(out))
    }

    /// The overlay on the image at its own resolution (no legend).
    public static func fullResolution(_ gray: Image, map: SaliencyMap) -> Image {
        var g = gray.grayscale()
        g.calibration = nil
        return HeatmapOverlay().render(g, map: map)
    }
}
