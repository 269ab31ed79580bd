// Principal component analysis of row samples: the covariance through OpenBLAS (`Gemm`), its
// eigenvectors by cyclic Jacobi rotations in Double (exact enough and dependency-free for the
// few hundred dimensions of a spectrum or a feature vector), components sorted by variance.

import Foundation

public struct PrincipalComponents: Codable, Equatable, Sendable {
    /// Per-dimension mean subtracted before projecting.
    public var mean: [Float]
    /// components × dimensions, row-major: row k is the k-th unit eigenvector (sign: largest entry positive).
    public var components: [Float]
    /// Variance along each component, descending.
    public var variances: [Double]
    public var dimensions: Int { mean.count }
    public var count: Int { variances.count }

    /// Fits `keep` components to `rows` samples of `dimensions` values (row-major `data`).
    public init(data: [Float], rows: Int, dimensions d: Int, keep: Int) throws {
        guard rows >= 2, d >= 1, data.count == rows * d else {
            throw ReticleError(.usage, "PCA needs at least 2 samples of \(d) values (got \(rows), \(data.count) values)")
        }
        guard (1...d).contains(keep) else { throw ReticleError(.usage, "PCA keeps 1…\(d) components, not \(keep)") }
        var mu = [Double](repeating: 0, count: d)
        for r in 0..<rows { for j in 0..<d { mu[j] += Double(data[r * d + j]) } }
        for j in 0..<d { mu[j] /= Double(rows) }
        let centred = (0..<(rows * d)).map { data[$0] - Float(mu[$0 % d]) }
        var cov = [Float](repeating: 0, count: d * d)
        centred.withUnsafeBufferPointer { x in
            cov.withUnsafeMutableBufferPointer { c in
                Gemm.sgemm(transA: true, m: d, n: d, k: rows, alpha: 1 / Float(rows - 1),
                           a: x.baseAddress!, b: x.baseAddress!, c: c.baseAddress!)
            }
        }
        let (values, vectors) = Self.jacobi(cov.map(Double.init), d)
        let order = (0..<d).sorted { values[$0] > values[$1] }.prefix(keep)
        var comps: [Float] = []
        for k in order {
            var v = (0..<d).map { vectors[$0 * d + k] }
            // A fixed sign, so the same data always gives the same projection.
            if let big = v.max(by: { abs($0) < abs($1) }), big < 0 { v = v.map { -$0 } }
            comps += v.map(Float.init)
        }
        mean = mu.map(Float.init)
        components = comps
        variances = order.map { Swift.max(0, values[$0]) }
    }

    /// Projects row samples: rows × dimensions → rows × count.
    public func project(_ data: [Float], rows: Int) -> [Float] {
        precondition(data.count == rows * dimensions)
        let d = dimensions
        let centred = (0..<(rows * d)).map { data[$0] - mean[$0 % d] }
        var out = [Float](repeating: 0, count: rows * count)
        centred.withUnsafeBufferPointer { x in
            components.withUnsafeBufferPointer { w in
                out.withUnsafeMutableBufferPointer { o in
                    Gemm.sgemm(transB: true, m: rows, n: count, k: d, a: x.baseAddress!, b: w.baseAddress!, c: o.baseAddress!)
                }
            }
        }
        return out
    }

    /// Eigenvalues and eigenvectors (columns of the returned row-major matrix) of a symmetric d × d matrix.
    static func jacobi(_ matrix: [Double], _ d: Int) -> ([Double], [Double]) {
        var a = matrix
        var v = [Double](repeating: 0, count: d * d)
        for i in 0..<d { v[i * d + i] = 1 }
        for _ in 0..<100 {
            var off = 0.0
            for p in 0..<d { for q in (p + 1)..<d { off += a[p * d + q] * a[p * d + q] } }
            if off < 1e-22 { break }
            for p in 0..<d {
                for q in (p + 1)..<d {
                    let apq = a[p * d + q]
                    guard abs(apq) > 1e-300 else { continue }
                    let theta = (a[q * d + q] - a[p * d + p]) / (2 * apq)
                    let t = (theta >= 0 ? 1.0 : -1.0) / (abs(theta) + (theta * theta + 1).squareRoot())
                    let c = 1 / (t * t + 1).squareRoot(), s = t * c
                    for k in 0..<d {
                        let akp = a[k * d + p], akq = a[k * d + q]
                        a[k * d + p] = c * akp - s * akq
                        a[k * d + q] = s * akp + c * akq
                    }
                    for k in 0..<d {
                        let apk = a[p * d + k], aqk = a[q * d + k]
                        a[p * d + k] = c * apk - s * aqk
                        a[q * d + k] = s * apk + c * aqk
                    }
                    for k in 0..<d {
                        let vkp = v[k * d + p], vkq = v[k * d + q]
                        v[k * d + p] = c * vkp - s * vkq
                        v[k * d + q] = s * vkp + c * vkq
                    }
                }
            }
        }
        return ((0..<d).map { a[$0 * d + $0] }, v)
    }
}
