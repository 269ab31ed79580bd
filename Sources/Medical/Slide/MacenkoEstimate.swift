// Macenko et al. (ISBI 2009) stain estimation on one RGB image, after the staintools /
// TIAToolbox formulation: optical densities of the tissue pixels (luminosity below 0.8, total
// OD at least 0.15), the plane of their two principal directions, the extreme angles
// (1st and 99th percentiles) in it as the two stain vectors, haematoxylin first. Returns nil
// where that cannot work: too few tissue pixels, a degenerate plane (one stain), vectors that
// are not both positive absorbers.

import Foundation
import Shared

struct MacenkoEstimate {
    /// Rows: haematoxylin, eosin; unit OD vectors.
    let stains: [[Float]]
    /// 99th percentile of each concentration.
    let maxConcentrations: [Float]
    /// (HHᵀ)⁻¹H rows: concentrations = od · pinv, by least squares.
    private let pinv: [[Float]]

    static let minimumPixels = 64

    init?(_ px: [UInt8]) {
        var od: [SIMD3<Float>] = []
        od.reserveCapacity(px.count / 3)
        for i in 0..<(px.count / 3) {
            let r = px[3 * i], g = px[3 * i + 1], b = px[3 * i + 2]
            let lum = (0.299 * Float(r) + 0.587 * Float(g) + 0.114 * Float(b)) / 255
            guard lum < 0.8 else { continue }
            let v = SIMD3(ColorSpace.opticalDensity(r), ColorSpace.opticalDensity(g), ColorSpace.opticalDensity(b))
            if v.sum() >= 0.15 { od.append(v) }
        }
        guard od.count >= Self.minimumPixels, od.count * 100 >= px.count / 3 else { return nil }
        // Covariance of the OD cloud.
        let n = Float(od.count)
        let mean = od.reduce(SIMD3<Float>(repeating: 0), +) / n
        var cov = [[Double]](repeating: [0, 0, 0], count: 3)
        for v in od {
            let d = v - mean
            for a in 0..<3 { for b in 0..<3 { cov[a][b] += Double(d[a] * d[b]) } }
        }
        for a in 0..<3 { for b in 0..<3 { cov[a][b] /= Double(max(od.count - 1, 1)) } }
        let (values, vectors) = Self.symmetricEigen(cov)
        let order = (0..<3).sorted { values[$0] > values[$1] }
        // One stain (or saturation) leaves the second direction with almost no spread.
        guard values[order[0]] > 1e-8, values[order[1]] > 1e-3 * values[order[0]] else { return nil }
        var e1 = SIMD3(Float(vectors[0][order[0]]), Float(vectors[1][order[0]]), Float(vectors[2][order[0]]))
        var e2 = SIMD3(Float(vectors[0][order[1]]), Float(vectors[1][order[1]]), Float(vectors[2][order[1]]))
        if e1[0] < 0 { e1 = -e1 }
        if e2[0] < 0 { e2 = -e2 }
        var angles = od.map { Foundation.atan2(($0 * e2).sum(), ($0 * e1).sum()) }
        angles.sort()
        let lo = angles[Int(Float(angles.count - 1) * 0.01)], hi = angles[Int(Float(angles.count - 1) * 0.99)]
        func unit(_ phi: Float) -> SIMD3<Float> {
            let v = e1 * Foundation.cos(phi) + e2 * Foundation.sin(phi)
            let l = (v * v).sum().squareRoot()
            return l > 0 ? v / l : v
        }
        var h = unit(lo), e = unit(hi)
        if h[0] < e[0] { swap(&h, &e) }
        // Both must absorb (no negative OD) and differ: otherwise there are not two stains.
        guard h.min() >= -1e-3, e.min() >= -1e-3, (h * e).sum() < 0.995 else { return nil }
        stains = [[h[0], h[1], h[2]], [e[0], e[1], e[2]]]
        // pinv = (S Sᵀ)⁻¹ S for S = [h; e] (2 × 3).
        let a = (h * h).sum(), b = (h * e).sum(), d = (e * e).sum()
        let det = a * d - b * b
        guard abs(det) > 1e-6 else { return nil }
        let p0 = (h * d - e * b) / det, p1 = (e * a - h * b) / det
        pinv = [[p0[0], p0[1], p0[2]], [p1[0], p1[1], p1[2]]]
        var c0 = od.map { ($0 * p0).sum() }, c1 = od.map { ($0 * p1).sum() }
        c0.sort(); c1.sort()
        maxConcentrations = [c0[Int(Float(c0.count - 1) * 0.99)], c1[Int(Float(c1.count - 1) * 0.99)]]
        guard maxConcentrations.allSatisfy({ $0 > 1e-4 && $0.isFinite }) else { return nil }
    }

    /// Haematoxylin and eosin concentrations of one pixel.
    func concentrations(_ r: UInt8, _ g: UInt8, _ b: UInt8) -> (Float, Float) {
        let v = [ColorSpace.opticalDensity(r), ColorSpace.opticalDensity(g), ColorSpace.opticalDensity(b)]
        return (v[0] * pinv[0][0] + v[1] * pinv[0][1] + v[2] * pinv[0][2],
                v[0] * pinv[1][0] + v[1] * pinv[1][1] + v[2] * pinv[1][2])
    }

    /// Eigenvalues and eigenvectors (columns) of a symmetric 3 × 3 matrix by cyclic Jacobi rotations.
    static func symmetricEigen(_ m: [[Double]]) -> ([Double], [[Double]]) {
        var a = m
        var v: [[Double]] = [[1, 0, 0], [0, 1, 0], [0, 0, 1]]
        for _ in 0..<50 {
            let off = a[0][1] * a[0][1] + a[0][2] * a[0][2] + a[1][2] * a[1][2]
            if off < 1e-30 { break }
            for (p, q) in [(0, 1), (0, 2), (1, 2)] where abs(a[p][q]) > 1e-300 {
                let theta = (a[q][q] - a[p][p]) / (2 * a[p][q])
                let t = (theta >= 0 ? 1.0 : -1.0) / (abs(theta) + (theta * theta + 1).squareRoot())
                let c = 1 / (t * t + 1).squareRoot(), s = t * c
                for k in 0..<3 {
                    let akp = a[k][p], akq = a[k][q]
                    a[k][p] = c * akp - s * akq
                    a[k][q] = s * akp + c * akq
                }
                for k in 0..<3 {
                    let apk = a[p][k], aqk = a[q][k]
                    a[p][k] = c * apk - s * aqk
                    a[q][k] = s * apk + c * aqk
                }
                for k in 0..<3 {
                    let vkp = v[k][p], vkq = v[k][q]
                    v[k][p] = c * vkp - s * vkq
                    v[k][q] = s * vkp + c * vkq
                }
            }
        }
        return ([a[0][0], a[1][1], a[2][2]], v)
    }
}
