// Differentiable pointwise activations and softmax. Each backward uses the
// saved input or output, whichever makes the derivative cheapest.

import Foundation

extension Variable {
    /// Pointwise op with derivative `dy/dx` computed from (x, y).
    @inline(__always)
    func pointwise(_ f: (Float) -> Float, derivative: @escaping (Float, Float) -> Float) -> Variable {
        let x = value, y = value.map(f)
        return Variable.record(y, inputs: [self]) { g, _ in
            var dx = Tensor(uninitializedShape: x.shape)
            let n = x.count
            x.withUnsafePointer { xp in y.withUnsafePointer { yp in g.withUnsafePointer { gp in dx.withUnsafeMutablePointer { d in
                for i in 0..<n { d[i] = gp[i] * derivative(xp[i], yp[i]) }
            } } } }
            return [dx]
        }
    }

    /// ReLU with its own backward loop: the commonest activation should not pay for a derivative closure per element.
    public func relu() -> Variable {
        let y = value.map { Swift.max($0, 0) }
        return Variable.record(y, inputs: [self]) { g, _ in
            var dx = Tensor(uninitializedShape: y.shape)
            let n = y.count
            y.withUnsafePointer { yp in g.withUnsafePointer { gp in dx.withUnsafeMutablePointer { d in
                for i in 0..<n { d[i] = yp[i] > 0 ? gp[i] : 0 }
            } } }
            return [dx]
        }
    }
    public func relu6() -> Variable { pointwise({ Swift.min(Swift.max($0, 0), 6) }) { x, _ in x > 0 && x < 6 ? 1 : 0 } }

    public func leakyRelu(slope: Float = 0.01) -> Variable {
        pointwise({ $0 > 0 ? $0 : slope * $0 }) { x, _ in x > 0 ? 1 : slope }
    }

    public func sigmoid() -> Variable { pointwise({ 1 / (1 + Foundation.exp(-$0)) }) { _, y in y * (1 - y) } }
    public func tanh() -> Variable { pointwise({ Foundation.tanh($0) }) { _, y in 1 - y * y } }

    /// x·σ(x) (also called swish).
    public func silu() -> Variable {
        pointwise({ $0 / (1 + Foundation.exp(-$0)) }) { x, _ in
            let s = 1 / (1 + Foundation.exp(-x))
            return s * (1 + x * (1 - s))
        }
    }

    /// Exact GELU, x·Φ(x), as PyTorch's default (`approximate='none'`).
    public func gelu() -> Variable {
        pointwise({ 0.5 * $0 * (1 + erf($0 / 2.0.squareRoot().asFloat)) }) { x, _ in
            let cdf = 0.5 * (1 + erf(x / 2.0.squareRoot().asFloat))
            let pdf = Foundation.exp(-0.5 * x * x) / (2 * Float.pi).squareRoot()
            return cdf + x * pdf
        }
    }

    /// Multiplies by a fixed mask (dropout's kept units scaled by 1/(1−p)); the mask gets no gradient.
    public func masked(by mask: Tensor) -> Variable {
        precondition(mask.shape == shape, "mask \(mask.shape) ≠ \(shape)")
        return Variable.record(value * mask, inputs: [self]) { g, _ in [g * mask] }
    }

    /// Softmax over the last axis. Shapes: [..., K] → [..., K].
    public func softmax() -> Variable {
        let y = Variable.softmaxRows(value)
        let k = shape.last ?? 1
        return Variable.record(y, inputs: [self]) { g, _ in
            // dx = y ⊙ (g − Σ_k g·y), row by row.
            var dx = Tensor(uninitializedShape: y.shape)
            y.withUnsafePointer { yp in g.withUnsafePointer { gp in dx.withUnsafeMutablePointer { d in
                for r in 0..<(y.count / Swift.max(k, 1)) {
                    var dot: Float = 0
                    for j in 0..<k { dot += gp[r * k + j] * yp[r * k + j] }
                    for j in 0..<k { d[r * k + j] = yp[r * k + j] * (gp[r * k + j] - dot) }
                }
            } } }
            return [dx]
        }
    }

    /// Numerically stable softmax of each row of the last axis.
    public static func softmaxRows(_ x: Tensor) -> Tensor {
        let k = x.shape.last ?? 1
        var y = Tensor(uninitializedShape: x.shape)
        x.withUnsafePointer { xp in y.withUnsafeMutablePointer { yp in
            for r in 0..<(x.count / Swift.max(k, 1)) {
                let row = xp + r * k, out = yp + r * k
                var m = -Float.infinity
                for j in 0..<k { m = Swift.max(m, row[j]) }
                var s: Float = 0
                for j in 0..<k { out[j] = Foundation.exp(row[j] - m); s += out[j] }
                for j in 0..<k { out[j] /= s }
            }
        } }
        return y
    }
}

extension Double {
    var asFloat: Float { Float(self) }
}
