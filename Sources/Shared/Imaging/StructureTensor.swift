// The local orientation of image texture: the structure tensor J = Σ∇I∇Iᵀ summed over a square
// window (central differences, box sum through running sums, so any window costs the same).
// Its eigenvectors give the dominant direction of the grey-level stripes in the window and
// its coherence (λ1 − λ2)/(λ1 + λ2) how strongly one direction dominates: 1 for parallel
// lines (laths, needles), near 0 for texture without a direction (grain boundaries of every
// orientation, noise).
//
// Memory: three Float planes of the image's size (12 bytes a pixel) kept, two more while building.

import Foundation

public struct StructureTensor: Sendable {
    public let width: Int
    public let height: Int
    /// Window half-width in px (the window is (2·radius+1)² pixels).
    public let radius: Int
    /// Row-major window sums of Ix², Iy², Ix·Iy.
    public let xx: [Float]
    public let yy: [Float]
    public let xy: [Float]

    /// - Parameters:
    ///   - gray: row-major grey levels, `width × height`.
    ///   - radius: window half-width in px (≥ 1).
    public init(gray: [Float], width: Int, height: Int, radius: Int) {
        precondition(gray.count == width * height && width > 2 && height > 2 && radius >= 1,
                     "structure tensor needs a \(width)×\(height) grey image (got \(gray.count) values) and radius ≥ 1")
        self.width = width
        self.height = height
        self.radius = radius
        // One product plane at a time, summed and dropped: peak 5 planes (input, 3 sums, 1 work).
        func summed(_ product: (Float, Float) -> Float) -> [Float] {
            var g = [Float](repeating: 0, count: width * height)
            for y in 1..<(height - 1) {
                for x in 1..<(width - 1) {
                    let i = y * width + x
                    g[i] = product((gray[i + 1] - gray[i - 1]) / 2, (gray[i + width] - gray[i - width]) / 2)
                }
            }
            return Self.boxSum(g, width, height, radius)
        }
        xx = summed { ix, _ in ix * ix }
        yy = summed { _, iy in iy * iy }
        xy = summed { ix, iy in ix * iy }
    }

    /// Coherence at pixel `i`: 0…1, 0 where there is no gradient.
    public func coherence(at i: Int) -> Float {
        let trace = xx[i] + yy[i]
        guard trace > 0 else { return 0 }
        let d = xx[i] - yy[i]
        return min(1, (d * d + 4 * xy[i] * xy[i]).squareRoot() / trace)
    }

    /// Direction of the stripes at pixel `i` (along them, perpendicular to the dominant gradient),
    /// radians in [0, π).
    public func orientation(at i: Int) -> Double {
        // The dominant gradient lies at ½·atan2(2Jxy, Jxx − Jyy); the stripes run across it.
        let g = 0.5 * atan2(2 * Double(xy[i]), Double(xx[i] - yy[i]))
        var a = g + Double.pi / 2
        if a >= Double.pi { a -= Double.pi }
        if a < 0 { a += Double.pi }
        return a
    }

    /// Energy-weighted mean coherence over the image: |Σ over windows of the anisotropic part| /
    /// Σ trace. Flat regions weigh nothing, so the figure describes the texture that is there.
    public var meanCoherence: Double {
        var num = 0.0, den = 0.0
        for i in 0..<(width * height) {
            let d = Double(xx[i] - yy[i]), o = Double(xy[i])
            num += (d * d + 4 * o * o).squareRoot()
            den += Double(xx[i] + yy[i])
        }
        return den > 0 ? num / den : 0
    }

    /// Sum over the (2r+1)² window around each pixel, clipped at the edges: a row pass and a
    /// column pass of running sums in Double, so that large windows lose no precision.
    static func boxSum(_ v: [Float], _ w: Int, _ h: Int, _ r: Int) -> [Float] {
        var rows = [Float](repeating: 0, count: w * h)
        var prefix = [Double](repeating: 0, count: max(w, h) + 1)
        for y in 0..<h {
            for x in 0..<w { prefix[x + 1] = prefix[x] + Double(v[y * w + x]) }
            for x in 0..<w { rows[y * w + x] = Float(prefix[min(w, x + r + 1)] - prefix[max(0, x - r)]) }
        }
        var out = [Float](repeating: 0, count: w * h)
        for x in 0..<w {
            for y in 0..<h { prefix[y + 1] = prefix[y] + Double(rows[y * w + x]) }
            for y in 0..<h { out[y * w + x] = Float(prefix[min(h, y + r + 1)] - prefix[max(0, y - r)]) }
        }
        return out
    }
}
