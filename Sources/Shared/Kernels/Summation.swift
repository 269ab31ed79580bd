// Fast sums over contiguous runs with SIMD8 accumulators: Swift keeps scalar
// float reductions in strict order, so they neither vectorise nor pipeline
// (PERFORMANCE.md §3). Used by normalisation statistics and channel sums.

enum Summation {
    /// Σ p[i] and Σ p[i]² over `count` floats.
    @inline(__always)
    static func sumAndSquares(_ p: UnsafePointer<Float>, count: Int) -> (sum: Float, squares: Float) {
        var s = SIMD8<Float>(), s2 = SIMD8<Float>()
        var i = 0
        while i + 8 <= count {
            let v = UnsafeRawPointer(p + i).loadUnaligned(as: SIMD8<Float>.self)
            s += v
            s2.addProduct(v, v)
            i += 8
        }
        var sum = s.sum(), squares = s2.sum()
        while i < count { sum += p[i]; squares = squares.addingProduct(p[i], p[i]); i += 1 }
        return (sum, squares)
    }

    /// Σ p[i] over `count` floats.
    @inline(__always)
    static func sum(_ p: UnsafePointer<Float>, count: Int) -> Float {
        var s = SIMD8<Float>()
        var i = 0
        while i + 8 <= count { s += UnsafeRawPointer(p + i).loadUnaligned(as: SIMD8<Float>.self); i += 8 }
        var total = s.sum()
        while i < count { total += p[i]; i += 1 }
        return total
    }

    /// Σ a[i]·b[i] over `count` floats.
    @inline(__always)
    static func dot(_ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>, count: Int) -> Float {
        var s = SIMD8<Float>()
        var i = 0
        while i + 8 <= count {
            s.addProduct(UnsafeRawPointer(a + i).loadUnaligned(as: SIMD8<Float>.self), UnsafeRawPointer(b + i).loadUnaligned(as: SIMD8<Float>.self))
            i += 8
        }
        var total = s.sum()
        while i < count { total = total.addingProduct(a[i], b[i]); i += 1 }
        return total
    }
}

extension Tensor {
    /// Per-channel sums of an NCHW tensor: [N, C, H, W] → [C] (the bias gradient of a convolution).
    public func channelSums() -> Tensor {
        precondition(rank == 4, "channelSums needs NCHW, got \(shape)")
        let (n, c, hw) = (shape[0], shape[1], shape[2] * shape[3])
        var out = Tensor(shape: [c])
        withUnsafePointer { x in out.withUnsafeMutablePointer { o in
            for b in 0..<n { for ch in 0..<c { o[ch] += Summation.sum(x + (b * c + ch) * hw, count: hw) } }
        } }
        return out
    }
}
