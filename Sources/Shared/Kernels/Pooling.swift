// Pooling kernels over NCHW planes: windowed max/average (PyTorch semantics:
// floor output size, max ignores padding, average counts it) and adaptive
// pooling to a fixed output size (the building block of global pooling and SPP).

import CKernels

/// Window geometry of a pooling layer. Shapes: input [N, C, H, W] → [N, C, H_out, W_out].
public struct PoolGeometry: Equatable, Sendable {
    public var batch, channels, height, width: Int
    public var kernelH, kernelW, strideH, strideW, padH, padW: Int

    public init(batch: Int, channels: Int, height: Int, width: Int, kernel: (Int, Int), stride: (Int, Int), padding: (Int, Int) = (0, 0)) {
        self.batch = batch; self.channels = channels; self.height = height; self.width = width
        kernelH = kernel.0; kernelW = kernel.1; strideH = stride.0; strideW = stride.1; padH = padding.0; padW = padding.1
        precondition(kernelH >= 1 && kernelW >= 1 && strideH >= 1 && strideW >= 1, "invalid pooling window")
        precondition(padH * 2 <= kernelH && padW * 2 <= kernelW, "pooling padding must be at most half the kernel (PyTorch rule)")
        precondition(outHeight >= 1 && outWidth >= 1, "pooling output would be empty for \(height)×\(width) input")
    }

    public var outHeight: Int { (height + 2 * padH - kernelH) / strideH + 1 }
    public var outWidth: Int { (width + 2 * padW - kernelW) / strideW + 1 }
    public var inputShape: [Int] { [batch, channels, height, width] }
    public var outputShape: [Int] { [batch, channels, outHeight, outWidth] }
}

public enum Pooling {
    /// Max pooling; also returns, for each output, the flat index of the winning input (for the backward pass).
    /// `indices: false` (inference) skips the argmax and returns it empty.
    public static func maxForward(_ g: PoolGeometry, input: Tensor, indices: Bool = true) -> (output: Tensor, argmax: [Int32]) {
        precondition(input.shape == g.inputShape, "max pool input \(input.shape) ≠ \(g.inputShape)")
        var out = Tensor(uninitializedShape: g.outputShape)
        let oh = g.outHeight, ow = g.outWidth, planes = g.batch * g.channels
        // Planes split across the cores: ResNet's stem pool is otherwise a few per cent of a forward pass.
        let parts = Swift.max(1, Swift.min(Convolution.threads, planes))
        if !indices {
            input.withUnsafePointer { x in out.withUnsafeMutablePointer { y in
                Convolution.runParts(parts) { part in
                    rk_max_pool(x, y, planes, Int32(g.height), Int32(g.width), Int32(g.kernelH), Int32(g.kernelW), Int32(g.strideH),
                                Int32(g.strideW), Int32(g.padH), Int32(g.padW), Int32(oh), Int32(ow), Int32(part), Int32(parts))
                }
            } }
            return (out, [])
        }
        var argmax = [Int32](repeating: 0, count: out.count)
        input.withUnsafePointer { x in out.withUnsafeMutablePointer { y in argmax.withUnsafeMutableBufferPointer { am in
            let indices = am.baseAddress!
            Convolution.runParts(parts) { part in
                rk_max_pool_indices(x, y, indices, planes, Int32(g.height), Int32(g.width), Int32(g.kernelH), Int32(g.kernelW),
                                    Int32(g.strideH), Int32(g.strideW), Int32(g.padH), Int32(g.padW), Int32(oh), Int32(ow),
                                    Int32(part), Int32(parts))
            }
        } } }
        return (out, argmax)
    }

    /// Routes each output gradient to the input that won the max.
    public static func maxBackward(inputShape: [Int], gradOutput: Tensor, argmax: [Int32]) -> Tensor {
        precondition(gradOutput.count == argmax.count, "max pool backward: \(gradOutput.count) grads, \(argmax.count) indices")
        var gradInput = Tensor(shape: inputShape)
        gradOutput.withUnsafePointer { dy in gradInput.withUnsafeMutablePointer { dx in
            for i in 0..<argmax.count { dx[Int(argmax[i])] += dy[i] }
        } }
        return gradInput
    }

    /// Average pooling; padded taps count in the divisor (PyTorch's `count_include_pad=True`).
    public static func averageForward(_ g: PoolGeometry, input: Tensor) -> Tensor {
        precondition(input.shape == g.inputShape, "avg pool input \(input.shape) ≠ \(g.inputShape)")
        var out = Tensor(shape: g.outputShape)
        let oh = g.outHeight, ow = g.outWidth, plane = g.height * g.width
        let scale = 1 / Float(g.kernelH * g.kernelW)
        input.withUnsafePointer { x in out.withUnsafeMutablePointer { y in
            for p in 0..<(g.batch * g.channels) {
                let src = x + p * plane
                for oy in 0..<oh {
                    let y0 = Swift.max(oy * g.strideH - g.padH, 0), y1 = Swift.min(oy * g.strideH - g.padH + g.kernelH, g.height)
                    for ox in 0..<ow {
                        let x0 = Swift.max(ox * g.strideW - g.padW, 0), x1 = Swift.min(ox * g.strideW - g.padW + g.kernelW, g.width)
                        var s: Float = 0
                        for iy in y0..<y1 { for ix in x0..<x1 { s += src[iy * g.width + ix] } }
                        y[(p * oh + oy) * ow + ox] = s * scale
                    }
                }
            }
        } }
        return out
    }

    public static func averageBackward(_ g: PoolGeometry, gradOutput: Tensor) -> Tensor {
        precondition(gradOutput.shape == g.outputShape, "avg pool backward shape")
        var gradInput = Tensor(shape: g.inputShape)
        let oh = g.outHeight, ow = g.outWidth, plane = g.height * g.width
        let scale = 1 / Float(g.kernelH * g.kernelW)
        gradOutput.withUnsafePointer { dy in gradInput.withUnsafeMutablePointer { dx in
            for p in 0..<(g.batch * g.channels) {
                let dst = dx + p * plane
                for oy in 0..<oh {
                    let y0 = Swift.max(oy * g.strideH - g.padH, 0), y1 = Swift.min(oy * g.strideH - g.padH + g.kernelH, g.height)
                    for ox in 0..<ow {
                        let x0 = Swift.max(ox * g.strideW - g.padW, 0), x1 = Swift.min(ox * g.strideW - g.padW + g.kernelW, g.width)
                        let v = dy[(p * oh + oy) * ow + ox] * scale
                        for iy in y0..<y1 { for ix in x0..<x1 { dst[iy * g.width + ix] += v } }
                    }
                }
            }
        } }
        return gradInput
    }

    /// PyTorch's adaptive bins: output i covers [floor(i·in/out), ceil((i+1)·in/out)).
    @inline(__always)
    static func adaptiveBin(_ i: Int, out: Int, in extent: Int) -> Range<Int> {
        (i * extent / out)..<(((i + 1) * extent + out - 1) / out)
    }

    /// Adaptive average or max pooling to [N, C, outH, outW]; `argmax` is filled for max pooling only.
    public static func adaptiveForward(input: Tensor, outH: Int, outW: Int, max useMax: Bool) -> (output: Tensor, argmax: [Int32]) {
        precondition(input.rank == 4 && outH >= 1 && outW >= 1, "adaptive pool needs NCHW input, got \(input.shape)")
        let (n, c, h, w) = (input.shape[0], input.shape[1], input.shape[2], input.shape[3])
        var out = Tensor(shape: [n, c, outH, outW])
        var argmax = [Int32](repeating: 0, count: useMax ? out.count : 0)
        input.withUnsafePointer { x in out.withUnsafeMutablePointer { y in argmax.withUnsafeMutableBufferPointer { am in
            for p in 0..<(n * c) {
                let src = x + p * h * w
                for oy in 0..<outH {
                    let ys = adaptiveBin(oy, out: outH, in: h)
                    for ox in 0..<outW {
                        let xs = adaptiveBin(ox, out: outW, in: w)
                        let o = (p * outH + oy) * outW + ox
                        if useMax {
                            var best = -Float.infinity, bestIndex = ys.lowerBound * w + xs.lowerBound
                            for iy in ys { for ix in xs where src[iy * w + ix] > best || src[iy * w + ix].isNaN { best = src[iy * w + ix]; bestIndex = iy * w + ix } }
                            y[o] = best
                            am[o] = Int32(p * h * w + bestIndex)
                        } else {
                            var s: Float = 0
                            for iy in ys { for ix in xs { s += src[iy * w + ix] } }
                            y[o] = s / Float(ys.count * xs.count)
                        }
                    }
                }
            }
        } } }
        return (out, argmax)
    }

    /// Backward of adaptive average pooling: each output's gradient spread evenly over its bin.
    public static func adaptiveAverageBackward(inputShape: [Int], gradOutput: Tensor) -> Tensor {
        let (n, c, h, w) = (inputShape[0], inputShape[1], inputShape[2], inputShape[3])
        let outH = gradOutput.shape[2], outW = gradOutput.shape[3]
        var gradInput = Tensor(shape: inputShape)
        gradOutput.withUnsafePointer { dy in gradInput.withUnsafeMutablePointer { dx in
            for p in 0..<(n * c) {
                let dst = dx + p * h * w
                for oy in 0..<outH {
                    let ys = adaptiveBin(oy, out: outH, in: h)
                    for ox in 0..<outW {
                        let xs = adaptiveBin(ox, out: outW, in: w)
                        let v = dy[(p * outH + oy) * outW + ox] / Float(ys.count * xs.count)
                        for iy in ys { for ix in xs { dst[iy * w + ix] += v } }
                    }
                }
            }
        } }
        return gradInput
    }
}
