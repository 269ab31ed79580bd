// Drawing a saliency map over the image it explains: a colour heat map blended on the
// grey image, as an 8-bit RGB Image ready for PNG (report overlays, `--explain gradcam`).

import Foundation

public struct HeatmapOverlay: Equatable, Sendable {
    /// Weight of the heat colour where the map is 1; it fades with the map so that cold regions
    /// show the micrograph itself.
    public var opacity: Float
    /// Map values below this are not coloured at all.
    public var threshold: Float

    public init(opacity: Float = 0.6, threshold: Float = 0.1) {
        self.opacity = opacity; self.threshold = threshold
    }

    /// RGB uint8 image of `gray`'s size: gray (any channels, shown as luminance) blended with the
    /// colour of `map` (resized to fit, values in 0...1).
    public func render(_ gray: Image, map: SaliencyMap) -> Image {
        let g = gray.grayscale().floatPixels()
        let m = map.resized(width: gray.width, height: gray.height).values
        var rgb = [UInt8](repeating: 0, count: gray.pixelCount * 3)
        for i in 0..<gray.pixelCount {
            let v = Swift.min(Swift.max(m[i], 0), 1)
            let a = v < threshold ? 0 : opacity * v
            let (r, gg, b) = HeatmapOverlay.colour(v)
            let base = Swift.min(Swift.max(g[i], 0), 1)
            rgb[3 * i] = HeatmapOverlay.byte((1 - a) * base + a * r)
            rgb[3 * i + 1] = HeatmapOverlay.byte((1 - a) * base + a * gg)
            rgb[3 * i + 2] = HeatmapOverlay.byte((1 - a) * base + a * b)
        }
        return Image(width: gray.width, height: gray.height, channels: 3, storage: .uint8(rgb))
    }

    /// A jet-like ramp: blue → cyan → green → yellow → red as v goes 0 → 1.
    public static func colour(_ v: Float) -> (Float, Float, Float) {
        func clamp(_ x: Float) -> Float { Swift.min(Swift.max(x, 0), 1) }
        return (clamp(1.5 - abs(4 * v - 3)), clamp(1.5 - abs(4 * v - 2)), clamp(1.5 - abs(4 * v - 1)))
    }

    static func byte(_ x: Float) -> UInt8 { UInt8(Swift.min(Swift.max((x * 255).rounded(), 0), 255)) }
}
