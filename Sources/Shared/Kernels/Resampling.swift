// Spatial upsampling of NCHW tensors: nearest and bilinear, with PyTorch's
// coordinate conventions (`align_corners=False`), plus their adjoints.

public enum Resampling {
    public enum Mode: String, Codable, Sendable { case nearest, bilinear }

    /// For each output coordinate, two source taps and the weight of the second (bilinear),
    /// or one tap with weight 0 (nearest). PyTorch: src = (dst + ½)·in/out − ½, clamped at 0.
    static func taps(out: Int, in extent: Int, mode: Mode) -> [(Int, Int, Float)] {
        let scale = Float(extent) / Float(out)
        return (0..<out).map { i in
            switch mode {
            case .nearest:
                let s = Swift.min(Int((Float(i) * scale).rounded(.down)), extent - 1)
                return (s, s, 0)
            case .bilinear:
                let src = Swift.max((Float(i) + 0.5) * scale - 0.5, 0)
                let i0 = Swift.min(Int(src), extent - 1), i1 = Swift.min(i0 + 1, extent - 1)
                return (i0, i1, src - Float(i0))
            }
        }
    }

    /// Shapes: input [N, C, H, W] → [N, C, outH, outW].
    public static func forward(_ input: Tensor, outH: Int, outW: Int, mode: Mode) -> Tensor {
        precondition(input.rank == 4 && outH >= 1 && outW >= 1, "upsample needs NCHW input, got \(input.shape)")
        let (n, c, h, w) = (input.shape[0], input.shape[1], input.shape[2], input.shape[3])
        let ty = taps(out: outH, in: h, mode: mode), tx = taps(out: outW, in: w, mode: mode)
        var out = Tensor(shape: [n, c, outH, outW])
        input.withUnsafePointer { x in out.withUnsafeMutablePointer { y in
            for p in 0..<(n * c) {
                let src = x + p * h * w, dst = y + p * outH * outW
                for oy in 0..<outH {
                    let (y0, y1, fy) = ty[oy]
                    for ox in 0..<outW {
                        let (x0, x1, fx) = tx[ox]
                        let top = src[y0 * w + x0] * (1 - fx) + src[y0 * w + x1] * fx
                        let bottom = src[y1 * w + x0] * (1 - fx) + src[y1 * w + x1] * fx
                        dst[oy * outW + ox] = top * (1 - fy) + bottom * fy
                    }
                }
            }
        } }
        return out
    }

    /// The adjoint of `forward`: scatters each output gradient to its taps with the same weights.
    public static func backward(_ gradOutput: Tensor, inputShape: [Int], mode: Mode) -> Tensor {
        let (n, c, h, w) = (inputShape[0], inputShape[1], inputShape[2], inputShape[3])
        let outH = gradOutput.shape[2], outW = gradOutput.shape[3]
        let ty = taps(out: outH, in: h, mode: mode), tx = taps(out: outW, in: w, mode: mode)
        var gradInput = Tensor(shape: inputShape)
        gradOutput.withUnsafePointer { dy in gradInput.withUnsafeMutablePointer { dx in
            for p in 0..<(n * c) {
                let src = dy + p * outH * outW, dst = dx + p * h * w
                for oy in 0..<outH {
                    let (y0, y1, fy) = ty[oy]
                    for ox in 0..<outW {
                        let (x0, x1, fx) = tx[ox]
                        let g = src[oy * outW + ox]
                        dst[y0 * w + x0] += g * (1 - fy) * (1 - fx)
                        dst[y0 * w + x1] += g * (1 - fy) * fx
                        dst[y1 * w + x0] += g * fy * (1 - fx)
                        dst[y1 * w + x1] += g * fy * fx
                    }
                }
            }
        } }
        return gradInput
    }
}
