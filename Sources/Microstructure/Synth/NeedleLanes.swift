// Parallel lanes of lens-shaped needles laid end to end: the geometry every lath and plate
// structure shares. Each lane draws its own mean needle length (log-normal); needle ends are
// jittered around that mean, so lengths vary within and between lanes and the ends stagger.

import Foundation

struct NeedleLanes: Sendable {
    /// Where one pixel falls in the lanes.
    struct Hit {
        /// How much of the pixel the needle covers, 0…1 (one-pixel anti-aliasing across the edge).
        var coverage: Float
        var lane: Int
        var segment: Int
        /// Needle length in px.
        var length: Double
        /// Needle width at its middle in px.
        var width: Double
        /// Offset from the needle's middle along its axis, px.
        var along: Double
        /// Offset from the lane's centre line, px.
        var across: Double
        /// Area factor of the outline (π/4 for a lens).
        var fill: Double
        /// Needle area, px² (the needle's share when counting needles by pixels).
        var area: Double { fill * length * width }
    }

    /// Identifies the region (block, sheaf, layer) whose lanes these are.
    var hash: SynthHash
    /// Lane pitch in px.
    var spacing: Double
    /// Needle width at its middle in px (at most `spacing`).
    var width: Double
    /// Log-normal parameters of a lane's mean needle length in px.
    var logMeanLength: Double
    var logSpread: Double
    /// Needle ends move by up to ±jitter/2 of the lane mean, so lengths vary by ±jitter.
    var jitter = 0.8
    /// Outline: half-width ∝ √(1 − r^(2·tip)) along the axis (r = −1…1): 1 is a pointed lens
    /// (plates), 2 and 3 blunter laths.
    var tip = 1
    /// Needle widths vary by ±widthSpread/2 of `width`, and needles sit up to ±sideShift/2 of the
    /// free room off their lane's centre line, so lanes do not look ruled.
    var widthSpread = 0.0
    var sideShift = 0.0

    /// ∫₀¹ √(1 − x^(2·tip)) dx: needle area over length × width, for `tip` 1, 2, 3.
    static let fills = [Double.pi / 4, 0.874019, 0.910744]

    /// - Parameters: s: coordinate along the needles, t: across them (px).
    @inline(__always)
    func hit(s: Double, t: Double) -> Hit {
        let laneF = (t / spacing).rounded(.down)
        let lane = Int(laneF)
        var across = t - (laneF + 0.5) * spacing
        let mean = exp(logMeanLength + logSpread * hash.normal(lane, 0x1A4E))
        let phase = hash.unit(lane, 0x9A5E)
        // Needle j spans [end(j), end(j+1)); ends stay ordered because the jitter is below one mean.
        @inline(__always) func end(_ j: Int) -> Double {
            (Double(j) + phase + jitter * (hash.unit(lane, j, 0xE2D) - 0.5)) * mean
        }
        var j = Int((s / mean - phase).rounded(.down))
        var a = end(j), b = end(j + 1)
        if s < a { j -= 1; b = a; a = end(j) } else if s >= b { j += 1; a = b; b = end(j + 1) }
        let length = b - a
        let along = s - (a + b) / 2
        var width = self.width
        if widthSpread > 0 || sideShift > 0 {
            let grow: Double = widthSpread * (hash.unit(lane, j, 0x3D7) - 0.5)
            width = min(spacing, width * (1 + grow))
            let shift: Double = sideShift * (spacing - width) * (hash.unit(lane, j, 0x51D) - 0.5)
            across -= shift
        }
        let r = 2 * along / length
        let r2 = r * r
        let rp = tip == 1 ? r2 : (tip == 2 ? r2 * r2 : r2 * r2 * r2)
        let half = width / 2 * max(0, 1 - rp).squareRoot()
        let coverage = Float(min(1, max(0, half - abs(across) + 0.5)))
        return Hit(coverage: coverage, lane: lane, segment: j, length: length, width: width, along: along, across: across,
                   fill: Self.fills[min(3, max(1, tip)) - 1])
    }

    /// Log-normal parameters whose number-weighted mean needle length is `meanLengthPx`: a lane
    /// of mean m holds 1/m needles per px of lane, so counting needles weights lanes by 1/m and
    /// the count-weighted mean is the harmonic mean of m, exp(μ − σ²/2).
    static func logMean(forMeanLength meanLengthPx: Double, spread: Double) -> Double {
        log(meanLengthPx) + spread * spread / 2
    }
}
