// Generated equiaxed grain structures with known truth: a window onto a planar
// Poisson–Voronoi tessellation of intensity λ, for which N_A = λ and the mean
// lineal intercept is ℓ̄ = π / (4·√λ) (boundary length per area L_A = 2√λ, P_L = 2·L_A/π).

import Foundation
import Shared

public struct VoronoiStructure: Sendable {
    public let map: BoundaryMap
    /// Grains per px² of the generating process.
    public let intensityPerPx2: Double

    /// Expected grains per mm² at 1×.
    public var trueGrainsPerMM2: Double {
        intensityPerPx2 / pow((map.umPerPixel ?? 1) * 1e-3, 2)
    }

    /// Expected mean lineal intercept in mm.
    public var trueMeanInterceptMM: Double {
        Double.pi / (4 * intensityPerPx2.squareRoot()) * (map.umPerPixel ?? 1) * 1e-3
    }

    /// - Parameters:
    ///   - meanGrainAreaPx: 1/λ, the mean grain area in px².
    ///   - boundaryWidth: boundary thickness in px (pixels closer than half of it to a bisector).
    public init(width: Int, height: Int, meanGrainAreaPx: Double, boundaryWidth: Double = 1.5,
                umPerPixel: Double = 1, seed: UInt64) {
        precondition(width > 0 && height > 0 && meanGrainAreaPx > 4, "field too small or grains below 4 px²")
        var rng = SplitMix64(seed: seed)
        let lambda = 1 / meanGrainAreaPx
        // Seeds beyond the window keep edge grains shaped as in an infinite tessellation.
        let pad = 4 * meanGrainAreaPx.squareRoot()
        let areaPad = (Double(width) + 2 * pad) * (Double(height) + 2 * pad)
        let count = Self.poisson(mean: lambda * areaPad, &rng)
        var seeds: [(Double, Double)] = []
        for _ in 0..<count {
            seeds.append((rng.nextUnit() * (Double(width) + 2 * pad) - pad, rng.nextUnit() * (Double(height) + 2 * pad) - pad))
        }
        // Bucket grid: the two nearest seeds of a pixel lie within a few cells.
        let cell = max(4, meanGrainAreaPx.squareRoot())
        let gx = Int(((Double(width) + 2 * pad) / cell).rounded(.up)) + 1
        let gy = Int(((Double(height) + 2 * pad) / cell).rounded(.up)) + 1
        var buckets = [[Int]](repeating: [], count: gx * gy)
        for (i, s) in seeds.enumerated() {
            let cx = min(gx - 1, Int((s.0 + pad) / cell)), cy = min(gy - 1, Int((s.1 + pad) / cell))
            buckets[cy * gx + cx].append(i)
        }
        var boundary = [Bool](repeating: false, count: width * height)
        let half = boundaryWidth / 2
        for y in 0..<height {
            for x in 0..<width {
                let px = Double(x) + 0.5, py = Double(y) + 0.5
                let cx = Int((px + pad) / cell), cy = Int((py + pad) / cell)
                var best = (d: Double.infinity, i: -1), second = (d: Double.infinity, i: -1)
                for ring in 0...3 {
                    for by in (cy - ring)...(cy + ring) where by >= 0 && by < gy {
                        for bx in (cx - ring)...(cx + ring) where bx >= 0 && bx < gx {
                            if max(abs(bx - cx), abs(by - cy)) != ring { continue }
                            for i in buckets[by * gx + bx] {
                                let dx = seeds[i].0 - px, dy = seeds[i].1 - py
                                let d = dx * dx + dy * dy
                                if d < best.d { second = best; best = (d, i) } else if d < second.d { second = (d, i) }
                            }
                        }
                    }
                    // Done once the second-nearest is closer than anything the next ring could hold.
                    if second.i >= 0, second.d.squareRoot() <= Double(ring) * cell { break }
                }
                guard best.i >= 0, second.i >= 0 else { continue }
                let a = seeds[best.i], b = seeds[second.i]
                let sep = ((a.0 - b.0) * (a.0 - b.0) + (a.1 - b.1) * (a.1 - b.1)).squareRoot()
                // Exact distance from the pixel to the bisector of its two nearest seeds.
                let toBisector = (second.d - best.d) / (2 * sep)
                boundary[y * width + x] = toBisector < half
            }
        }
        map = BoundaryMap(width: width, height: height, isBoundary: boundary, umPerPixel: umPerPixel)
        intensityPerPx2 = lambda
    }

    static func poisson(mean: Double, _ rng: inout SplitMix64) -> Int {
        // Normal approximation is ample for the hundreds of seeds a field holds.
        if mean > 50 {
            let u1 = max(rng.nextUnit(), 1e-300), u2 = rng.nextUnit()
            let z = (-2 * log(u1)).squareRoot() * cos(2 * Double.pi * u2)
            return max(0, Int((mean + z * mean.squareRoot()).rounded()))
        }
        var k = 0, p = 1.0
        let l = exp(-mean)
        repeat { k += 1; p *= rng.nextUnit() } while p > l
        return k - 1
    }
}
