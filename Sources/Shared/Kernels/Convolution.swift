// 2-D convolution lowered to GEMM: per image and group, im2col then
// cblas_sgemm (1×1 stride-1 convolutions skip im2col), images (or bands of rows)
// split across threads; small planes batch several images into one wide GEMM
// (ConvolutionBatched.swift); depthwise convolutions go to the direct SIMD kernel
// (Depthwise.swift). The naive 7-loop kernel at the end is the reference the
// property tests compare against.

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
    /// (PERFORMANCE.md §7: own threads calling OpenBLAS must not nest its pool). OpenBLAS's thread
    /// count is process-wide: callers that run convolutions on several threads of their own should set
    /// `Convolution.threads = 1` and `Gemm.setThreads(1)` once instead.
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
    /// `packed`: the weights already packed for the micro-kernels (inference); packed here when nil.
    public static func forward(_ g: ConvGeometry, input: Tensor, weight: Tensor, bias: Tensor? = nil,
                               residual: Tensor? = nil, activation: FusedActivation = .none,
                               packed: PackedConvWeights? = nil) -> Tensor {
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
        if microKernels {
            return forwardPacked(g, input: input, packed: packed ?? PackedConvWeights(weight: weight, groups: g.groups),
                                 bias: bias, residual: residual, activation: activation)
        }
        if let images = imagesPerBatchedGEMM(g) {
            return forwardBatched(g, images: images, input: input, weight: weight, bias: bias, residual: residual, activation: activation)
        }
        // Every output element is written by exactly one GEMM (beta = 0), so no zero fill.
        var out = Tensor(uninitializedShape: g.outputShape)
        let ohw = g.outHeight * g.outWidth, inPlane = g.height * g.width
        // Work items: (image, band of output rows). Images run in parallel with single-threaded GEMMs
        // (per-image GEMMs are too narrow for OpenBLAS to split well: N = 49 in ResNet's last stage);
        // with fewer images than threads, each image is cut into bands of output rows instead.
        let workers = Swift.max(1, Swift.min(Convolution.threads, g.batch * g.outHeight))
        let bands = g.batch >= workers ? 1 : Swift.min(g.outHeight, (workers + g.batch - 1) / g.batch)
        let items = g.batch * bands
        let biasScalars = bias?.scalars
        // The residual's storage is a class instance kept alive by `residual` for the whole call.
        let residualBase = residual.map { UnsafePointer($0.storage.pointer) }
        withExtendedLifetime(residual) {
        input.withUnsafePointer { x in weight.withUnsafePointer { w in out.withUnsafeMutablePointer { y in
            let yAddress = Int(bitPattern: y)
            Convolution.parallel(Swift.min(workers, items)) { worker in
                let y = UnsafeMutablePointer<Float>(bitPattern: yAddress)!
                let maxRows = (g.outHeight + bands - 1) / bands
                // One im2col buffer per worker, taken from the storage pool, so it is reused across calls.
                var scratch = g.isPointwise ? nil : Tensor(uninitializedShape: [g.patchSize * maxRows * g.outWidth])
                let share = Swift.min(workers, items)
                for item in (items * worker / share)..<(items * (worker + 1) / share) {
                    let n = item / bands, band = item % bands
                    let rows = (g.outHeight * band / bands)..<(g.outHeight * (band + 1) / bands)
                    let cols = (rows.lowerBound * g.outWidth)..<(rows.upperBound * g.outWidth)
                    for grp in 0..<g.groups {
                        let src = x + (n * g.inChannels + grp * g.inPerGroup) * inPlane
                        let dst = y + (n * g.outChannels + grp * g.outPerGroup) * ohw + cols.lowerBound
                        let wg = w + grp * g.outPerGroup * g.patchSize
                        if g.isPointwise {
                            Gemm.sgemm(m: g.outPerGroup, n: cols.count, k: g.patchSize, a: wg, b: src + cols.lowerBound, ldb: ohw, c: dst, ldc: ohw)
                        } else {
                            scratch!.withUnsafeMutablePointer { col in
                                Im2col.unfold(g, input: src, columns: col, rows: rows)
                                Gemm.sgemm(m: g.outPerGroup, n: cols.count, k: g.patchSize, a: wg, b: col, c: dst, ldc: ohw)
                            }
                        }
                    }
                    // The epilogue runs on the band just written, while it is still in cache.
                    for oc in 0..<g.outChannels {
                        let plane = n * g.outChannels + oc
                        applyEpilogue(y + plane * ohw + cols.lowerBound, count: cols.count, bias: biasScalars?[oc],
                                      residual: residualBase.map { $0 + plane * ohw + cols.lowerBound }, activation: activation)
                    }
                }
            }
        } } }
        }
        return out
    }

    /// y = act(y + bias + residual) over `count` contiguous outputs.
    @inline(__always)
    static func applyEpilogue(_ p: UnsafeMutablePointer<Float>, count: Int, bias: Float?, residual: UnsafePointer<Float>?,
                              activation: FusedActivation) {
        if let b = bias { for i in 0..<count { p[i] += b } }
        if let r = residual { for i in 0..<count { p[i] += r[i] } }
        activation.apply(p, count: count)
    }

    /// Adds bias and residual, then applies the activation, one output plane at a time.
    static func epilogue(_ g: ConvGeometry, _ out: inout Tensor, bias: Tensor?, residual: Tensor?, activation: FusedActivation) {
        if bias == nil && residual == nil && activation == .none { return }
        let ohw = g.outHeight * g.outWidth
        let biasScalars = bias?.scalars
        let residualBase = residual.map { UnsafePointer($0.storage.pointer) }
        withExtendedLifetime(residual) { out.withUnsafeMutablePointer { y in
            for plane in 0..<(g.batch * g.outChannels) {
                applyEpilogue(y + plane * ohw, count: ohw, bias: biasScalars?[plane % g.outChannels],
                              residual: residualBase.map { $0 + plane * ohw }, activation: activation)
            }
        } }
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
