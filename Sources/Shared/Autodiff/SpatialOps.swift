// Differentiable spatial ops on NCHW Variables: convolution, pooling
// (windowed, adaptive, global, spatial pyramid), upsampling and concatenation.
// Forward and adjoint arithmetic lives in Kernels/; this file wires it to the tape.

extension Variable {
    /// 2-D convolution, optionally with a residual added and an activation applied in the epilogue:
    /// act(conv(self, weight) + bias + residual).
    /// Shapes: self [N, C_in, H, W], weight [C_out, C_in/groups, kH, kW], bias [C_out], residual [N, C_out, H_out, W_out]
    /// → [N, C_out, H_out, W_out].
    public func conv2d(weight: Variable, bias: Variable?, stride: (Int, Int) = (1, 1), padding: (Int, Int) = (0, 0),
                       dilation: (Int, Int) = (1, 1), groups: Int = 1, residual: Variable? = nil,
                       activation: FusedActivation = .none, packed: PackedConvWeights? = nil) -> Variable {
        precondition(value.rank == 4 && weight.value.rank == 4, "conv2d needs NCHW input and OIHW weight, got \(shape), \(weight.shape)")
        let g = ConvGeometry(batch: shape[0], inChannels: shape[1], height: shape[2], width: shape[3],
                             outChannels: weight.shape[0], kernel: (weight.shape[2], weight.shape[3]),
                             stride: stride, padding: padding, dilation: dilation, groups: groups)
        let (x, w) = (value, weight.value)
        let y = Convolution.forward(g, input: x, weight: w, bias: bias?.value, residual: residual?.value, activation: activation,
                                    packed: packed)
        let hasBias = bias != nil
        let inputs = [self, weight] + (bias.map { [$0] } ?? []) + (residual.map { [$0] } ?? [])
        return Variable.record(y, inputs: inputs) { gradOut, needs in
            var gy = gradOut
            // A fused activation's derivative masks the gradient first.
            switch activation {
            case .none: break
            case .relu: gy = gy * y.map { $0 > 0 ? 1 : 0 }
            case .relu6: gy = gy * y.map { $0 > 0 && $0 < 6 ? 1 : 0 }
            }
            let dx = needs[0] ? Convolution.backwardInput(g, gradOutput: gy, weight: w) : nil
            var out: [Tensor?] = [dx, nil]
            let needsBias = hasBias && needs[2]
            if needs[1] || needsBias {
                let (dw, db) = Convolution.backwardWeight(g, input: x, gradOutput: gy)
                out[1] = dw
                if hasBias { out.append(db) }
            } else if hasBias { out.append(nil) }
            if out.count < needs.count { out.append(gy) }  // the residual passes the gradient through
            return out
        }
    }

    /// Max pooling. Shapes: [N, C, H, W] → [N, C, H_out, W_out].
    public func maxPool2d(kernel: (Int, Int), stride: (Int, Int)? = nil, padding: (Int, Int) = (0, 0)) -> Variable {
        let g = poolGeometry(kernel, stride ?? kernel, padding)
        // Without a tape nothing will ask for the gradient, so the winners' indices are not kept.
        let (y, argmax) = Pooling.maxForward(g, input: value, indices: tape != nil)
        return Variable.record(y, inputs: [self]) { gy, _ in [Pooling.maxBackward(inputShape: g.inputShape, gradOutput: gy, argmax: argmax)] }
    }

    /// Average pooling (padding counts in the divisor). Shapes: [N, C, H, W] → [N, C, H_out, W_out].
    public func avgPool2d(kernel: (Int, Int), stride: (Int, Int)? = nil, padding: (Int, Int) = (0, 0)) -> Variable {
        let g = poolGeometry(kernel, stride ?? kernel, padding)
        return Variable.record(Pooling.averageForward(g, input: value), inputs: [self]) { gy, _ in [Pooling.averageBackward(g, gradOutput: gy)] }
    }

    func poolGeometry(_ k: (Int, Int), _ s: (Int, Int), _ p: (Int, Int)) -> PoolGeometry {
        precondition(value.rank == 4, "pooling needs NCHW input, got \(shape)")
        return PoolGeometry(batch: shape[0], channels: shape[1], height: shape[2], width: shape[3], kernel: k, stride: s, padding: p)
    }

    /// Adaptive average pooling to a fixed size. Shapes: [N, C, H, W] → [N, C, outH, outW].
    public func adaptiveAvgPool2d(_ outH: Int, _ outW: Int) -> Variable {
        let s = shape
        let (y, _) = Pooling.adaptiveForward(input: value, outH: outH, outW: outW, max: false)
        return Variable.record(y, inputs: [self]) { gy, _ in [Pooling.adaptiveAverageBackward(inputShape: s, gradOutput: gy)] }
    }

    /// Adaptive max pooling to a fixed size. Shapes: [N, C, H, W] → [N, C, outH, outW].
    public func adaptiveMaxPool2d(_ outH: Int, _ outW: Int) -> Variable {
        let s = shape
        let (y, argmax) = Pooling.adaptiveForward(input: value, outH: outH, outW: outW, max: true)
        return Variable.record(y, inputs: [self]) { gy, _ in [Pooling.maxBackward(inputShape: s, gradOutput: gy, argmax: argmax)] }
    }

    /// Global average pooling, flattened. Shapes: [N, C, H, W] → [N, C].
    public func globalAvgPool() -> Variable { adaptiveAvgPool2d(1, 1).reshaped([shape[0], shape[1]]) }

    /// Spatial pyramid pooling (He et al., SPP-net, 2014): max pooling into l×l bins for each
    /// level l, flattened and concatenated, so any input size gives a fixed-length vector.
    /// Shapes: [N, C, H, W] → [N, C·Σ l²].
    public func spatialPyramidPool(levels: [Int] = [1, 2, 4]) -> Variable {
        Variable.concat(levels.map { adaptiveMaxPool2d($0, $0).flattenedBatch() }, axis: 1)
    }

    /// Upsampling to an explicit size. Shapes: [N, C, H, W] → [N, C, outH, outW].
    public func upsample(toHeight outH: Int, width outW: Int, mode: Resampling.Mode) -> Variable {
        let s = shape
        return Variable.record(Resampling.forward(value, outH: outH, outW: outW, mode: mode), inputs: [self]) { gy, _ in
            [Resampling.backward(gy, inputShape: s, mode: mode)]
        }
    }

    /// Concatenation along `axis`; all other dimensions must agree.
    public static func concat(_ parts: [Variable], axis: Int) -> Variable {
        precondition(!parts.isEmpty, "concat of nothing")
        let shapes = parts.map(\.shape)
        let y = Tensor.concat(parts.map(\.value), axis: axis)
        return record(y, inputs: parts) { g, needs in g.split(shapes.map { $0[axis] }, axis: axis).enumerated().map { needs[$0.offset] ? $0.element : nil } }
    }
}

extension Tensor {
    /// Concatenation along `axis`.
    public static func concat(_ parts: [Tensor], axis: Int) -> Tensor {
        let first = parts[0].shape
        precondition(axis >= 0 && axis < first.count, "concat axis \(axis) out of range for \(first)")
        for p in parts {
            precondition(p.rank == first.count && (0..<first.count).allSatisfy { $0 == axis || p.shape[$0] == first[$0] },
                         "concat: shape \(p.shape) does not match \(first) off axis \(axis)")
        }
        let outer = first[..<axis].reduce(1, *), inner = first[(axis + 1)...].reduce(1, *)
        let total = parts.reduce(0) { $0 + $1.shape[axis] }
        var shape = first
        shape[axis] = total
        var out = Tensor(shape: shape)
        out.withUnsafeMutablePointer { dst in
            var offset = 0
            for p in parts {
                let chunk = p.shape[axis] * inner
                p.withUnsafePointer { src in
                    for o in 0..<outer { (dst + o * total * inner + offset).update(from: src + o * chunk, count: chunk) }
                }
                offset += chunk
            }
        }
        return out
    }

    /// Splits along `axis` into pieces of the given sizes (the inverse of `concat`).
    public func split(_ sizes: [Int], axis: Int) -> [Tensor] {
        precondition(sizes.reduce(0, +) == shape[axis], "split sizes \(sizes) do not add up to \(shape[axis])")
        let outer = shape[..<axis].reduce(1, *), inner = shape[(axis + 1)...].reduce(1, *)
        var offset = 0
        return sizes.map { size in
            var s = shape
            s[axis] = size
            var part = Tensor(shape: s)
            let chunk = size * inner
            withUnsafePointer { src in part.withUnsafeMutablePointer { dst in
                for o in 0..<outer { (dst + o * chunk).update(from: src + o * shape[axis] * inner + offset, count: chunk) }
            } }
            offset += chunk
            return part
        }
    }
}
