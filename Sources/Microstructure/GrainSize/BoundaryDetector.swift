// Grain boundaries from an etched light-optical micrograph: boundaries are thin
// dark grooves on grains of any shade. A valley detector (darker than both
// neighbours across, in any of four directions) finds grooves and ignores the
// step between a light and a dark grain, which a plain threshold would not.

import Foundation
import Shared

public struct BoundaryDetector: Sendable {
    /// Largest groove half-width (px) looked for: above half the widest boundary, below half
    /// the smallest grain.
    public var radius: Int
    /// Grains smaller than this (px²) are specks of the etch, turned into boundary.
    public var minGrainAreaPx: Int

    /// Weak groove pixels (above this fraction of the Otsu threshold) count when connected to
    /// strong ones: faint stretches of a boundary would otherwise leave gaps that merge grains.
    public var lowFraction: Float

    /// Thin boundaries to one pixel before counting.
    public var thin = true

    public init(radius: Int = 3, minGrainAreaPx: Int = 12, lowFraction: Float = 0.25) {
        self.radius = radius
        self.minGrainAreaPx = minGrainAreaPx
        self.lowFraction = lowFraction
    }

    /// The boundary map of an etched micrograph; `exclude` rectangles (scale bars, labels)
    /// are treated as boundary so no grain is counted inside them.
    public func detect(_ image: Image, exclude: [PixelRect] = []) -> BoundaryMap {
        let w = image.width, h = image.height
        let gray = image.grayscale().floatPixels()
        let response = Self.valleyDepth(gray, w, h, maxHalfWidth: radius)
        let peak = response.max() ?? 0
        let t = peak > 0 ? Otsu.threshold(response.map { $0 / peak }) * peak : .infinity
        let boundary = Self.hysteresis(response, w, h, high: t, low: t * lowFraction)
        var map = BoundaryMap(width: w, height: h, isBoundary: boundary, umPerPixel: image.calibration.map(\.umPerPixel))
        map.markBoundary(exclude)
        let cleaned = map.fillingSpecks(minGrainAreaPx: minGrainAreaPx)
        return thin ? cleaned.thinned() : cleaned
    }

    /// How much darker each pixel is than both pixels `d` away across it (1 ≤ d ≤ maxHalfWidth),
    /// in the most valley-like of four directions; 0 on flat ground and on steps.
    static func valleyDepth(_ v: [Float], _ w: Int, _ h: Int, maxHalfWidth: Int) -> [Float] {
        var out = [Float](repeating: 0, count: w * h)
        let directions = [(1, 0), (0, 1), (1, 1), (1, -1)]
        v.withUnsafeBufferPointer { g in
            for y in 0..<h {
                for x in 0..<w {
                    let c = g[y * w + x]
                    var best: Float = 0
                    for (dx, dy) in directions {
                        for d in 1...maxHalfWidth {
                            let x0 = x - d * dx, y0 = y - d * dy, x1 = x + d * dx, y1 = y + d * dy
                            guard x0 >= 0, x1 >= 0, x0 < w, x1 < w, y0 >= 0, y1 >= 0, y0 < h, y1 < h else { continue }
                            best = max(best, min(g[y0 * w + x0], g[y1 * w + x1]) - c)
                        }
                    }
                    out[y * w + x] = best
                }
            }
        }
        return out
    }

    /// Pixels above `high`, plus pixels above `low` 8-connected to them.
    static func hysteresis(_ r: [Float], _ w: Int, _ h: Int, high: Float, low: Float) -> [Bool] {
        var out = [Bool](repeating: false, count: w * h)
        var stack: [Int] = []
        for i in 0..<(w * h) where r[i] > high { out[i] = true; stack.append(i) }
        while let p = stack.popLast() {
            let x = p % w, y = p / w
            for dy in -1...1 {
                for dx in -1...1 {
                    let xx = x + dx, yy = y + dy
                    guard xx >= 0, yy >= 0, xx < w, yy < h else { continue }
                    let q = yy * w + xx
                    if !out[q] && r[q] > low { out[q] = true; stack.append(q) }
                }
            }
        }
        return out
    }
}
