// 2-D convolution lowered to GEMM: per image and group, im2col then
// cblas_sgemm (1×1 stride-1 convolutions skip im2col). Depthwise convolutions
// go to the direct SIMD kernel in Depthwise.swift. The naive 7-loop kernel at
// the end is the reference the property tests compare against.

import Foundation

/// An activation applied in the convolution's epilogue, while the output is still in cache.
public enum FusedActivation: String, Codable, Sendable {
    case none, relu, relu6

    @inline(__always) func apply(_ p: UnsafeMutablePointer<Float>, count: Int) {
        switch self {
        case .none: break
        case .relu: for i in 0..<count { p[i] = Swift.max(p[i], 0) }
        case .relu6: for i in 0..<count { p[i] = Swift.min(Swift.max(p[i], 0), 6) }
        }
    }
}

public enum Convolution {
    /// Threads for batch-parallel convolution (1 turns it off); defaults to the machine's cores.
    nonisolated(unsafe) public static var threads = ProcessInfo.processInfo.activeProcessorCount

    /// Runs `body(0..<workers)` on `workers` threads with OpenBLAS single-threaded meanwhile
    /// (PERFORMANCE.md §7: own threads calling OpenBLAS must not nest its pool).
    static func parallel(_ workers: Int, _ body: (Int) -> Void) {
        guard workers > 1 else { body(0); return }
        let blasThreads = Gemm.threads
        Gemm.setThreads(1)
        DispatchQueue.concurrentPerform(iterations: workers, execute: body)
        Gemm.setThreads(blasThreads)
    }

    /// Forward convolution: out = act(conv(input, weight) + bias + residual).
    ///
    /// Shapes: input `g.inputShape`, weight `g.weightShape`, bias [C_out], residual `g.outputShape`.
    public static func forward(_ g: ConvGeometry, input: Tensor, weight: Tensor, bias: Tensor? = nil,
                               residual: Tensor? = nil, activation: FusedActivation = .none) -> Tensor {
        precondition(input.shape == g.inputShape, "conv input \(input.shape) ≠ \(g.inputShape) for \(g)")
        precondition(weight.shape == g.weightShape, "conv weight \(weight.shape) ≠ \(g.weightShape) for \(g)")
        precondition(bias == nil || bias!.shape == [g.outChannels], "conv bias must be [\(g.outChannels)]")
        precondition(residual == nil || residual!.shape == g.outputShape, "conv residual must be \(g.outputShape)")
        if let c = multiplyAddCounter { multiplyAddCounter = c + g.multiplyAdds }
        if g.isDepthwise && g.kernelH * g.kernelW > 1 {
            var out = Depthwise.forward(g, input: input, weight: weight, bias: bias)
            epilogue(g, &out, bias: nil, residual: residual, activation: activation)
            return out
        }
        // Every output element is written by exactly one GEMM (beta = 0), so no zero fill.
        var out = Tensor(uninitializedShape: g.outputShape)
        let ohw = g.outHeight * g.outWidth, inPlane = g.height * g.width
        input.withUnsafePointer { x in weight.withUnsafePointer { w in out.withUnsafeMutablePointer { y in
            // Images in parallel, each GEMM single-threaded: per-image GEMMs are too small to split well
            // (N = H_out·W_out is 49 in ResNet's last stage), so OpenBLAS's own threads would idle.
            let workers = g.batch > 1 ? Swift.min(Convolution.threads, g.batch) : 1
            let yAddress = Int(bitPattern: y)
            Convolution.parallel(workers) { worker in
                let y = UnsafeMutablePointer<Float>(bitPattern: yAddress)!
                // One im2col buffer per worker, taken from the storage pool, so it is reused across calls.
                var scratch = g.isPointwise ? nil : Tensor(uninitializedShape: [g.patchSize * ohw])
                let images = (g.batch * worker / workers)..<(g.batch * (worker + 1) / workers)
                for n in images {
                    for grp in 0..<g.groups {
                        let src = x + (n * g.inChannels + grp * g.inPerGroup) * inPlane
                        let dst = y + (n * g.outChannels + grp * g.outPerGroup) * ohw
                        let wg = w + grp * g.outPerGroup * g.patchSize
                        if g.isPointwise {
                            Gemm.sgemm(m: g.outPerGroup, n: ohw, k: g.patchSize, a: wg, b: src, c: dst)
                        } else {
                            scratch!.withUnsafeMutablePointer { col in
                                Im2col.unfold(g, input: src, columns: col)
                                Gemm.sgemm(m: g.outPerGroup, n: ohw, k: g.patchSize, a: wg, b: col, c: dst)
                            }
                        }
                    }
                }
            }
        } } }
        epilogue(g, &out, bias: bias, residual: residual, activation: activation)
        return out
    }

    /// Adds bias and residual, then applies the activation, one output plane at a time.
    static func epilogue(_ g: ConvGeometry, _ out: inout Tensor, bias: Tensor?, residual: Tensor?, activation: FusedActivation) {
        if bias == nil && residual == nil && activation == .none { return }
        let ohw = g.outHeight * g.outWidth
        let biasScalars = bias?.scalars
        out.withUnsafeMutablePointer { y in
            for plane in 0..<(g.batch * g.outChannels) {
                let p = y + plane * ohw
                if let b = biasScalars?[plane % g.outChannels] { for i in 0..<ohw { p[i] += b } }
                if let r = residual { r.withUnsafePointer { rp in for i in 0..<ohw { p[i] += rp[plane * ohw + i] } } }
                activation.apply(p, count: ohw)
            }
        }
    }

    /// Gradient with respect to the input: conv-transpose of `gradOutput` with `weight`.
    ///
    /// Shapes: gradOutput `g.outputShape`, weight `g.weightShape` → `g.inputShape`.
    public static func backwardInput(_ g: ConvGeometry, gradOutput: Tensor, weight: Tensor) -> Tensor {
        precondition(gradOutput.shape == g.outputShape && weight.shape == g.weightShape, "conv backward shapes for \(g)")
        if g.isDepthwise { return Depthwise.backwardInput(g, gradOutput: gradOutput, weight: weight) }
        var gradInput = Tensor(shape: g.inputShape)
        let ohw = g.outHeight * g.outWidth, inPlane = g.height * g.width
        var columns = [Float](repeating: 0, count: g.patchSize * ohw)
        gradOutput.withUnsafePointer { dy in weight.withUnsafePointer { w in gradInput.withUnsafeMutablePointer { dx in
            columns.withUnsafeMutableBufferPointer { colBuf in
                let col = colBuf.baseAddress!
                for n in 0..<g.batch {
                    for grp in 0..<g.groups {
                        let dst = dx + (n * g.inChannels + grp * g.inPerGroup) * inPlane
                        // dcol[patch, ohw] = Wᵀ[patch, outPerGroup] · dY[outPerGroup, ohw]
                        Gemm.sgemm(transA: true, m: g.patchSize, n: ohw, k: g.outPerGroup,
                                   a: w + grp * g.outPerGroup * g.patchSize,
                                   b: dy + (n * g.outChannels + grp * g.outPerGroup) * ohw,
                                   beta: 0, c: g.isPointwise ? dst : col)
                        if !g.isPointwise { Im2col.fold(g, columns: col, input: dst) }
                    }
                }
            }
        } } }
        return gradInput
    }

    /// Gradients with respect to weight and bias.
    ///
    /// Shapes: input `g.inputShape`, gradOutput `g.outputShape` → (weight `g.weightShape`, bias [C_out]).
    public static func backwardWeight(_ g: ConvGeometry, input: Tensor, gradOutput: Tensor) -> (weight: Tensor, bias: Tensor) {
        precondition(input.shape == g.inputShape && gradOutput.shape == g.outputShape, "conv backward shapes for \(g)")
        let gradBias = gradOutput.sum(alongAxes: [0, 2, 3])
        if g.isDepthwise { return (Depthwise.backwardWeight(g, input: input, gradOutput: gradOutput), gradBias) }
        var gradWeight = Tensor(shape: g.weightShape)
        let ohw = g.outHeight * g.outWidth, inPlane = g.height * g.width
        var columns = [Float](repeating: 0, count: g.isPointwise ? 0 : g.patchSize * ohw)
        input.withUnsafePointer { x in gradOutput.withUnsafePointer { dy in gradWeight.withUnsafeMutablePointer { dw in
            columns.withUnsafeMutableBufferPointer { colBuf in
                for n in 0..<g.batch {
                    for grp in 0..<g.groups {
                        let src = x + (n * g.inChannels + grp * g.inPerGroup) * inPlane
                        let cols: UnsafePointer<Float>
                        if g.isPointwise { cols = src } else {
                            Im2col.unfold(g, input: src, columns: colBuf.baseAddress!)
                            cols = UnsafePointer(colBuf.baseAddress!)
                        }
                        // dW[outPerGroup, patch] += dY[outPerGroup, ohw] · colᵀ[ohw, patch]
                        Gemm.sgemm(transB: true, m: g.outPerGroup, n: g.patchSize, k: ohw,
                                   a: dy + (n * g.outChannels + grp * g.outPerGroup) * ohw, b: cols,
                                   beta: 1, c: dw + grp * g.outPerGroup * g.patchSize)
                    }
                }
            }
        } } }
        return (gradWeight, gradBias)
    }

    /// The reference: a direct 7-loop convolution accumulated in Double. Slow; tests only.
    public static func naiveForward(_ g: ConvGeometry, input: Tensor, weight: Tensor, bias: Tensor? = nil) -> Tensor {
        precondition(input.shape == g.inputShape && weight.shape == g.weightShape, "naive conv shapes for \(g)")
        var out = Tensor(shape: g.outputShape)
        let x = input.scalars, w = weight.scalars, b = bias?.scalars
        for n in 0..<g.batch {
            for oc in 0..<g.outChannels {
                let grp = oc / g.outPerGroup
                for oy in 0..<g.outHeight {
                    for ox in 0..<g.outWidth {
                        var sum = Double(b?[oc] ?? 0)
                        for ic in 0..<g.inPerGroup {
                            let c = grp * g.inPerGroup + ic
                            for ky in 0..<g.kernelH {
                                let iy = oy * g.strideH - g.padH + ky * g.dilationH
                                guard iy >= 0 && iy < g.height else { continue }
                                for kx in 0..<g.kernelW {
                                    let ix = ox * g.strideW - g.padW + kx * g.dilationW
                                    guard ix >= 0 && ix < g.width else { continue }
                                    sum += Double(x[((n * g.inChannels + c) * g.height + iy) * g.width + ix])
                                        * Double(w[((oc * g.inPerGroup + ic) * g.kernelH + ky) * g.kernelW + kx])
                                }
                            }
                        }
                        out[n, oc, oy, ox] = Float(sum)
                    }
                }
            }
        }
        return out
    }
}
