// Elementwise tensor arithmetic with NumPy broadcasting, and unary maps.
// The innermost axis runs as a flat pointer loop; outer axes walk an odometer.

import Foundation

extension Tensor {
    /// Applies `op` to `a` and `b` broadcast to a common shape.
    @inline(__always)
    static func broadcasting(_ a: Tensor, _ b: Tensor, _ op: (Float, Float) -> Float) -> Tensor {
        if a.shape == b.shape {
            var out = Tensor(uninitializedShape: a.shape)
            let n = a.count
            a.withUnsafePointer { pa in b.withUnsafePointer { pb in out.withUnsafeMutablePointer { po in
                for i in 0..<n { po[i] = op(pa[i], pb[i]) }
            } } }
            return out
        }
        let shape = broadcastShape(a.shape, b.shape)
        var out = Tensor(uninitializedShape: shape)
        guard out.count > 0 else { return out }
        let sa = broadcastStrides(a.shape, to: shape), sb = broadcastStrides(b.shape, to: shape)
        let rank = shape.count
        let inner = rank == 0 ? 1 : shape[rank - 1]
        let ia = rank == 0 ? 0 : sa[rank - 1], ib = rank == 0 ? 0 : sb[rank - 1]
        let outer = out.count / max(inner, 1)
        var index = [Int](repeating: 0, count: max(rank - 1, 0))
        a.withUnsafePointer { pa in b.withUnsafePointer { pb in out.withUnsafeMutablePointer { po in
            var offA = 0, offB = 0
            for row in 0..<outer {
                let dst = po + row * inner
                for j in 0..<inner { dst[j] = op(pa[offA + j * ia], pb[offB + j * ib]) }
                // Advance the odometer over the outer axes.
                var axis = rank - 2
                while axis >= 0 {
                    index[axis] += 1; offA += sa[axis]; offB += sb[axis]
                    if index[axis] < shape[axis] { break }
                    offA -= sa[axis] * shape[axis]; offB -= sb[axis] * shape[axis]
                    index[axis] = 0
                    axis -= 1
                }
            }
        } } }
        return out
    }

    /// Applies `op` to every scalar.
    @inline(__always)
    public func map(_ op: (Float) -> Float) -> Tensor {
        var out = Tensor(uninitializedShape: shape)
        let n = count
        withUnsafePointer { src in out.withUnsafeMutablePointer { dst in for i in 0..<n { dst[i] = op(src[i]) } } }
        return out
    }

    public static func + (a: Tensor, b: Tensor) -> Tensor { broadcasting(a, b, +) }
    public static func - (a: Tensor, b: Tensor) -> Tensor { broadcasting(a, b, -) }
    public static func * (a: Tensor, b: Tensor) -> Tensor { broadcasting(a, b, *) }
    public static func / (a: Tensor, b: Tensor) -> Tensor { broadcasting(a, b, /) }
    public static func + (a: Tensor, s: Float) -> Tensor { a.map { $0 + s } }
    public static func - (a: Tensor, s: Float) -> Tensor { a.map { $0 - s } }
    public static func * (a: Tensor, s: Float) -> Tensor { a.map { $0 * s } }
    public static func * (s: Float, a: Tensor) -> Tensor { a.map { $0 * s } }
    public static func / (a: Tensor, s: Float) -> Tensor { a.map { $0 / s } }
    public static prefix func - (a: Tensor) -> Tensor { a.map { -$0 } }

    /// In place `self += other` (same shape); the accumulation used by gradients.
    public mutating func add(_ other: Tensor, scaledBy alpha: Float = 1) {
        precondition(shape == other.shape, "add: \(shape) vs \(other.shape)")
        let n = count
        other.withUnsafePointer { src in withUnsafeMutablePointer { dst in
            for i in 0..<n { dst[i] = dst[i].addingProduct(alpha, src[i]) }
        } }
    }

    public func exp() -> Tensor { map { Foundation.exp($0) } }
    public func log() -> Tensor { map { Foundation.log($0) } }
    public func squared() -> Tensor { map { $0 * $0 } }
    public func clamped(min lo: Float, max hi: Float) -> Tensor { map { Swift.min(Swift.max($0, lo), hi) } }
}
