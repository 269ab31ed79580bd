// Renders a grain-boundary map as a light-optical micrograph: grains shaded by
// orientation-dependent etch response, dark boundary grooves, optical blur,
// uneven illumination and sensor noise. Deterministic for a seed.

import Foundation
import Shared

public struct MicrographRenderer: Sendable {
    /// Grey levels (0–255) a grain's etch response is drawn from.
    public var grainLevels: ClosedRange<Double> = 150...225
    public var boundaryLevel: Double = 55
    /// Relative brightness drop from the centre to the corners.
    public var vignetting: Double = 0.10
    public var noiseSigma: Double = 4
    /// Smoothed boundary density at which a groove reaches full depth.
    public var grooveSaturation: Double = 0.45

    public init() {}

    public func render(_ map: BoundaryMap, seed: UInt64) -> Image {
        var rng = SplitMix64(seed: seed)
        let grains = GrainLabels(map)
        let shade = (0...grains.count).map { _ in grainLevels.lowerBound + rng.nextUnit() * (grainLevels.upperBound - grainLevels.lowerBound) }
        let w = map.width, h = map.height
        // Grooves: the boundary indicator smoothed (σ ≈ 1 px) and saturated, so one- and two-pixel
        // digital boundaries etch to the same depth and width, as real grooves do.
        let indicator = map.isBoundary.map { $0 ? 1.0 : 0.0 }
        let smooth = Self.blur(indicator, w, h)
        let meanShade = (grainLevels.lowerBound + grainLevels.upperBound) / 2
        var raw = [Double](repeating: 0, count: w * h)
        for i in 0..<(w * h) {
            let l = Int(grains.labels[i])
            let groove = min(1, smooth[i] / grooveSaturation)
            raw[i] = (l == 0 ? meanShade : shade[l]) * (1 - groove) + boundaryLevel * groove
        }
        // The microscope's point-spread function.
        let blurred = Self.blur(raw, w, h)
        let cx = Double(w) / 2, cy = Double(h) / 2
        let rMax = (cx * cx + cy * cy).squareRoot()
        var out = [UInt8](repeating: 0, count: w * h)
        for y in 0..<h {
            for x in 0..<w {
                let dx = Double(x) - cx, dy = Double(y) - cy
                let light = 1 - vignetting * (dx * dx + dy * dy) / (rMax * rMax)
                let u1 = max(rng.nextUnit(), 1e-12), u2 = rng.nextUnit()
                let noise = noiseSigma * (-2 * log(u1)).squareRoot() * cos(2 * Double.pi * u2)
                out[y * w + x] = UInt8(max(0, min(255, (blurred[y * w + x] * light + noise).rounded())))
            }
        }
        let calibration = map.umPerPixel.map { Calibration(umPerPixel: $0, source: .flag, detail: "generated") }
        return Image(width: w, height: h, channels: 1, storage: .uint8(out), calibration: calibration)
    }

    /// 3×3 binomial blur (1-2-1), edges clamped.
    static func blur(_ v: [Double], _ w: Int, _ h: Int) -> [Double] {
        var tmp = v, out = v
        for y in 0..<h {
            for x in 0..<w {
                let l = v[y * w + max(0, x - 1)], r = v[y * w + min(w - 1, x + 1)]
                tmp[y * w + x] = (l + 2 * v[y * w + x] + r) / 4
            }
        }
        for y in 0..<h {
            for x in 0..<w {
                let u = tmp[max(0, y - 1) * w + x], d = tmp[min(h - 1, y + 1) * w + x]
                out[y * w + x] = (u + 2 * tmp[y * w + x] + d) / 4
            }
        }
        return out
    }
}
