// Uneven etching: a smooth, low-frequency variation of grey level across the specimen
// (value noise on a coarse lattice, smoothly interpolated), as real etched surfaces show.

import Foundation

struct EtchMottle: Sendable {
    let hash: SynthHash
    /// Lattice spacing in px: the size of the blotches.
    let spacing: Double
    /// Peak deviation in grey levels.
    let amplitude: Float

    /// The grey-level offset at pixel centre (x, y).
    @inline(__always)
    func offset(x: Double, y: Double) -> Float {
        let fx = x / spacing, fy = y / spacing
        let i = Int(fx.rounded(.down)), j = Int(fy.rounded(.down))
        let u = Self.smooth(fx - Double(i)), v = Self.smooth(fy - Double(j))
        let a = hash.unit(i, j), b = hash.unit(i + 1, j), c = hash.unit(i, j + 1), d = hash.unit(i + 1, j + 1)
        let value = (a * (1 - u) + b * u) * (1 - v) + (c * (1 - u) + d * u) * v
        return amplitude * Float(2 * value - 1)
    }

    @inline(__always)
    static func smooth(_ t: Double) -> Double { t * t * (3 - 2 * t) }

    /// Adds the mottle to row-major `values`.
    func apply(to values: inout [Float], width: Int, height: Int) {
        values.withUnsafeMutableBufferPointer { v in
            for y in 0..<height {
                for x in 0..<width { v[y * width + x] += offset(x: Double(x) + 0.5, y: Double(y) + 0.5) }
            }
        }
    }
}
