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

    public init() {}

    public func render(_ map: BoundaryMap, seed: UInt64) -> Image {
        var rng = SplitMix64(seed: seed)
        let grains = GrainLabels(map)
        let shade = (0...grains.count).map { _ in grainLevels.lowerBound + rng.nextUnit() * (grainLevels.upperBound - grainLevels.lowerBound) }
        let w = map.width, h = map.height
        var raw = [Double](repeating: 0, count: w * h)
        for i in 0..<(w * h) {
            let l = Int(grains.labels[i])
            raw[i] = l == 0 ? boundaryLevel : shade[l]
        }
        // A 3×3 box blur stands in for the microscope's point-spread function.
        var blurred = raw
        for y in 0..<h {
            for x in 0..<w {
                var sum = 0.0, n = 0.0
                for dy in -1...1 {
                    for dx in -1...1 {
                        let xx = x + dx, yy = y + dy
                        if xx >= 0, yy >= 0, xx < w, yy < h { sum += raw[yy * w + xx]; n += 1 }
                    }
                }
                blurred[y * w + x] = sum / n
            }
        }
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
}
