// Reductions over axes (sum, mean, max, argmax) and the inverse of a
// broadcast: summing a gradient back down to an operand's shape.

extension Tensor {
    /// Sum of all scalars (accumulated in Double, so large tensors stay exact enough for tests).
    public func sum() -> Float {
        withUnsafePointer { p in
            var s = 0.0
            for i in 0..<count { s += Double(p[i]) }
            return Float(s)
        }
    }

    public func mean() -> Float { count == 0 ? 0 : sum() / Float(count) }

    /// Sums over `axes`; kept axes become 1 when `keepingDimensions`, else disappear.
    public func sum(alongAxes axes: Set<Int>, keepingDimensions: Bool = false) -> Tensor {
        precondition(axes.allSatisfy { $0 >= 0 && $0 < rank }, "axes \(axes) out of range for \(shape)")
        let kept = shape.enumerated().map { axes.contains($0.offset) ? 1 : $0.element }
        let keptAxes = (0..<rank).filter { !axes.contains($0) }
        if let first = keptAxes.first, keptAxes.last! - first + 1 == keptAxes.count {
            // Kept axes contiguous (the common case: a channel sum over N, H, W): out[m] = Σ_outer Σ_inner x[outer, m, inner].
            let outer = shape[..<first].reduce(1, *), middle = keptAxes.reduce(1) { $0 * shape[$1] }
            let inner = shape[(keptAxes.last! + 1)...].reduce(1, *)
            var out = Tensor(shape: kept)
            withUnsafePointer { x in out.withUnsafeMutablePointer { o in
                for a in 0..<outer { for m in 0..<middle { o[m] += Summation.sum(x + (a * middle + m) * inner, count: inner) } }
            } }
            return keepingDimensions ? out : out.reshaped(keptAxes.map { shape[$0] })
        }
        var out = Tensor(shape: kept)
        let outStrides = broadcastStrides(kept, to: shape)
        let r = rank
        var index = [Int](repeating: 0, count: r)
        withUnsafePointer { src in out.withUnsafeMutablePointer { dst in
            var off = 0
            for i in 0..<count {
                dst[off] += src[i]
                var axis = r - 1
                while axis >= 0 {
                    index[axis] += 1; off += outStrides[axis]
                    if index[axis] < shape[axis] { break }
                    off -= outStrides[axis] * shape[axis]; index[axis] = 0
                    axis -= 1
                }
            }
        } }
        return keepingDimensions ? out : out.reshaped(shape.enumerated().filter { !axes.contains($0.offset) }.map(\.element))
    }

    public func mean(alongAxes axes: Set<Int>, keepingDimensions: Bool = false) -> Tensor {
        let n = axes.reduce(1) { $0 * shape[$1] }
        return sum(alongAxes: axes, keepingDimensions: keepingDimensions) / Float(max(n, 1))
    }

    /// Sums a broadcast result back to `target` (the shape of one operand before broadcasting).
    public func reduced(toShape target: [Int]) -> Tensor {
        if shape == target { return self }
        let offset = rank - target.count
        precondition(offset >= 0, "cannot reduce \(shape) to \(target)")
        var axes = Set(0..<offset)
        for (i, d) in target.enumerated() where d == 1 && shape[i + offset] != 1 { axes.insert(i + offset) }
        return sum(alongAxes: axes, keepingDimensions: true).reshaped(target)
    }

    /// Index of the largest entry of each row of a rank-2 tensor [n, k] → n indices.
    public func argmaxRows() -> [Int] {
        precondition(rank == 2, "argmaxRows needs [n, k], got \(shape)")
        let k = shape[1]
        return withUnsafePointer { p in
            (0..<shape[0]).map { r in
                var best = 0
                for j in 1..<max(k, 1) where p[r * k + j] > p[r * k + best] { best = j }
                return best
            }
        }
    }

    public func maximum() -> Float { withUnsafePointer { p in (0..<count).reduce(-Float.infinity) { Swift.max($0, p[$1]) } } }
    public func minimum() -> Float { withUnsafePointer { p in (0..<count).reduce(Float.infinity) { Swift.min($0, p[$1]) } } }
}
