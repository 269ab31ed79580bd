// Differentiable arithmetic on Variables: broadcasting + − × ÷, scalar
// scaling, sums and means, reshape, matmul and the affine map of Linear.

import Foundation

extension Variable {
    public static func + (a: Variable, b: Variable) -> Variable {
        let (sa, sb) = (a.shape, b.shape)
        return record(a.value + b.value, inputs: [a, b]) { g, _ in [g.reduced(toShape: sa), g.reduced(toShape: sb)] }
    }

    public static func - (a: Variable, b: Variable) -> Variable {
        let (sa, sb) = (a.shape, b.shape)
        return record(a.value - b.value, inputs: [a, b]) { g, _ in [g.reduced(toShape: sa), (-g).reduced(toShape: sb)] }
    }

    public static func * (a: Variable, b: Variable) -> Variable {
        let (va, vb) = (a.value, b.value)
        return record(va * vb, inputs: [a, b]) { g, needs in
            [needs[0] ? (g * vb).reduced(toShape: va.shape) : nil, needs[1] ? (g * va).reduced(toShape: vb.shape) : nil]
        }
    }

    public static func / (a: Variable, b: Variable) -> Variable {
        let (va, vb) = (a.value, b.value)
        return record(va / vb, inputs: [a, b]) { g, needs in
            [needs[0] ? (g / vb).reduced(toShape: va.shape) : nil,
             needs[1] ? (-(g * va) / (vb * vb)).reduced(toShape: vb.shape) : nil]
        }
    }

    public static func * (a: Variable, s: Float) -> Variable { record(a.value * s, inputs: [a]) { g, _ in [g * s] } }
    public static func + (a: Variable, s: Float) -> Variable { record(a.value + s, inputs: [a]) { g, _ in [g] } }
    public static prefix func - (a: Variable) -> Variable { record(-a.value, inputs: [a]) { g, _ in [-g] } }

    /// Sum of all elements → rank-0.
    public func sum() -> Variable {
        let s = shape
        return Variable.record(Tensor(scalar: value.sum()), inputs: [self]) { g, _ in [Tensor(shape: s, repeating: g.item)] }
    }

    /// Mean of all elements → rank-0.
    public func mean() -> Variable { sum() * (1 / Float(Swift.max(value.count, 1))) }

    /// Sum over `axes`, keeping them as size 1 (so the result broadcasts back against `self`).
    public func sum(alongAxes axes: Set<Int>) -> Variable {
        let s = shape
        return Variable.record(value.sum(alongAxes: axes, keepingDimensions: true), inputs: [self]) { g, _ in
            [g + Tensor(shape: s)]  // broadcast g back over the summed axes
        }
    }

    public func mean(alongAxes axes: Set<Int>) -> Variable {
        sum(alongAxes: axes) * (1 / Float(axes.reduce(1) { $0 * shape[$1] }))
    }

    public func reshaped(_ newShape: [Int]) -> Variable {
        let s = shape
        return Variable.record(value.reshaped(newShape), inputs: [self]) { g, _ in [g.reshaped(s)] }
    }

    /// [N, ...] → [N, rest].
    public func flattenedBatch() -> Variable { reshaped([shape[0], -1]) }

    public func exp() -> Variable {
        let y = value.exp()
        return Variable.record(y, inputs: [self]) { g, _ in [g * y] }
    }

    public func log() -> Variable {
        let x = value
        return Variable.record(x.log(), inputs: [self]) { g, _ in [g / x] }
    }

    public func squared() -> Variable {
        let x = value
        return Variable.record(x.squared(), inputs: [self]) { g, _ in [g * x * 2] }
    }

    /// Matrix product of rank-2 variables: [m, k] × [k, n] → [m, n].
    public func matmul(_ other: Variable) -> Variable {
        let (a, b) = (value, other.value)
        return Variable.record(a.matmul(b), inputs: [self, other]) { g, needs in
            [needs[0] ? g.matmul(b, transposeOther: true) : nil, needs[1] ? a.matmul(g, transposeSelf: true) : nil]
        }
    }

    /// The affine map of a fully connected layer: x · Wᵀ + b.
    ///
    /// Shapes: self [N, in], weight [out, in] (PyTorch layout), bias [out] → [N, out].
    public func linear(weight: Variable, bias: Variable?) -> Variable {
        precondition(value.rank == 2 && weight.value.rank == 2 && value.shape[1] == weight.shape[1],
                     "linear: input \(shape) does not match weight \(weight.shape)")
        let (x, w) = (value, weight.value)
        var y = x.matmul(w, transposeOther: true)
        if let b = bias {
            precondition(b.shape == [w.shape[0]], "linear bias must be [\(w.shape[0])], got \(b.shape)")
            y = y + b.value
        }
        let hasBias = bias != nil
        return Variable.record(y, inputs: bias.map { [self, weight, $0] } ?? [self, weight]) { g, needs in
            var out: [Tensor?] = [needs[0] ? g.matmul(w) : nil, needs[1] ? g.matmul(x, transposeSelf: true) : nil]
            if hasBias { out.append(needs[2] ? g.sum(alongAxes: [0]) : nil) }
            return out
        }
    }
}
