// Convolution for small output planes (ResNet's later stages: 14×14, 7×7): the
// columns of several images sit side by side so one wide GEMM (N = images·H_out·W_out,
// threaded by OpenBLAS) replaces many narrow per-image GEMMs that BLAS runs poorly.

import Foundation

extension Convolution {
    /// Aim for GEMMs about this wide; narrower ones lose much of the machine's rate (0 turns the path off).
    nonisolated(unsafe) static var batchedColumns = 2048

    /// Output planes up to this size take the wide path. Measured here (ResNet shapes, 3×3): it wins clearly
    /// at 7×7 and 4×4 (N = 49 and 16 per image), loses a little from 8×8 up, where per-image GEMMs are wide enough.
    nonisolated(unsafe) static var batchedPlaneLimit = 49

    /// Images per wide GEMM for `g`, or nil when per-image GEMMs are already wide enough.
    static func imagesPerBatchedGEMM(_ g: ConvGeometry) -> Int? {
        let ohw = g.outHeight * g.outWidth
        guard ohw <= batchedPlaneLimit else { return nil }
        let images = Swift.min(g.batch, batchedColumns / Swift.max(ohw, 1))
        return images >= 2 && !g.isDepthwise ? images : nil
    }

    /// Same contract as `forward` (without the depthwise case). Shapes: input `g.inputShape`, weight `g.weightShape`,
    /// bias [C_out], residual `g.outputShape` → `g.outputShape`.
    static func forwardBatched(_ g: ConvGeometry, images chunk: Int, input: Tensor, weight: Tensor, bias: Tensor?,
                               residual: Tensor?, activation: FusedActivation) -> Tensor {
        var out = Tensor(uninitializedShape: g.outputShape)
        let ohw = g.outHeight * g.outWidth, inPlane = g.height * g.width
        var columns = Tensor(uninitializedShape: [g.patchSize * chunk * ohw])
        var wide = Tensor(uninitializedShape: [g.outPerGroup * chunk * ohw])
        let biasScalars = bias?.scalars
        let residualBase = residual.map { UnsafePointer($0.storage.pointer) }
        let workers = Swift.max(1, Swift.min(threads, chunk))
        withExtendedLifetime(residual) {
        input.withUnsafePointer { x in weight.withUnsafePointer { w in out.withUnsafeMutablePointer { y in
        columns.withUnsafeMutablePointer { cols in wide.withUnsafeMutablePointer { c in
            let (colsAddress, cAddress, yAddress) = (Int(bitPattern: cols), Int(bitPattern: c), Int(bitPattern: y))
            for first in stride(from: 0, to: g.batch, by: chunk) {
                let count = Swift.min(chunk, g.batch - first), width = count * ohw
                for grp in 0..<g.groups {
                    // Unfold each image into its own column block (images in parallel: memory-bound copying).
                    DispatchQueue.concurrentPerform(iterations: workers) { worker in
                        let cols = UnsafeMutablePointer<Float>(bitPattern: colsAddress)!
                        for i in (count * worker / workers)..<(count * (worker + 1) / workers) {
                            let src = x + ((first + i) * g.inChannels + grp * g.inPerGroup) * inPlane
                            Im2col.unfold(g, input: src, columns: cols + i * ohw, rowStride: width)
                        }
                    }
                    // One wide GEMM, threaded inside OpenBLAS: [outPerGroup, patch] · [patch, count·ohw].
                    Gemm.sgemm(m: g.outPerGroup, n: width, k: g.patchSize, a: w + grp * g.outPerGroup * g.patchSize, b: cols, c: c)
                    // Scatter back to NCHW with the epilogue, images in parallel.
                    DispatchQueue.concurrentPerform(iterations: workers) { worker in
                        let (c, y) = (UnsafeMutablePointer<Float>(bitPattern: cAddress)!, UnsafeMutablePointer<Float>(bitPattern: yAddress)!)
                        for i in (count * worker / workers)..<(count * (worker + 1) / workers) {
                            for oc in 0..<g.outPerGroup {
                                let channel = grp * g.outPerGroup + oc
                                let plane = (first + i) * g.outChannels + channel
                                let dst = y + plane * ohw
                                dst.update(from: c + oc * width + i * ohw, count: ohw)
                                applyEpilogue(dst, count: ohw, bias: biasScalars?[channel],
                                              residual: residualBase.map { $0 + plane * ohw }, activation: activation)
                            }
                        }
                    }
                }
            }
        } }
        } } }
        }
        return out
    }
}

extension Convolution {
    /// Copies the gradient planes of `count` images of one group into one wide matrix [outPerGroup, count·ohw].
    private static func gatherGroup(_ g: ConvGeometry, _ dy: UnsafePointer<Float>, first: Int, count: Int, group grp: Int,
                                    into wide: UnsafeMutablePointer<Float>, workers: Int) {
        let ohw = g.outHeight * g.outWidth, width = count * ohw
        let (dyAddress, wideAddress) = (Int(bitPattern: dy), Int(bitPattern: wide))
        DispatchQueue.concurrentPerform(iterations: workers) { worker in
            let (dy, wide) = (UnsafePointer<Float>(bitPattern: dyAddress)!, UnsafeMutablePointer<Float>(bitPattern: wideAddress)!)
            for i in (count * worker / workers)..<(count * (worker + 1) / workers) {
                for oc in 0..<g.outPerGroup {
                    (wide + oc * width + i * ohw).update(from: dy + ((first + i) * g.outChannels + grp * g.outPerGroup + oc) * ohw, count: ohw)
                }
            }
        }
    }

    /// `backwardInput` for small planes: one wide GEMM Wᵀ·dY per chunk of images, then col2im per image.
    static func backwardInputBatched(_ g: ConvGeometry, images chunk: Int, gradOutput: Tensor, weight: Tensor) -> Tensor {
        var gradInput = Tensor(shape: g.inputShape)  // col2im accumulates
        let ohw = g.outHeight * g.outWidth, inPlane = g.height * g.width
        var columns = Tensor(uninitializedShape: [g.patchSize * chunk * ohw])
        var wide = Tensor(uninitializedShape: [g.outPerGroup * chunk * ohw])
        let workers = Swift.max(1, Swift.min(threads, chunk))
        gradOutput.withUnsafePointer { dy in weight.withUnsafePointer { w in gradInput.withUnsafeMutablePointer { dx in
        columns.withUnsafeMutablePointer { cols in wide.withUnsafeMutablePointer { dyWide in
            let (colsAddress, dxAddress) = (Int(bitPattern: cols), Int(bitPattern: dx))
            for first in stride(from: 0, to: g.batch, by: chunk) {
                let count = Swift.min(chunk, g.batch - first), width = count * ohw
                for grp in 0..<g.groups {
                    gatherGroup(g, dy, first: first, count: count, group: grp, into: dyWide, workers: workers)
                    Gemm.sgemm(transA: true, m: g.patchSize, n: width, k: g.outPerGroup,
                               a: w + grp * g.outPerGroup * g.patchSize, b: dyWide, c: cols)
                    DispatchQueue.concurrentPerform(iterations: workers) { worker in
                        let (cols, dx) = (UnsafePointer<Float>(bitPattern: colsAddress)!, UnsafeMutablePointer<Float>(bitPattern: dxAddress)!)
                        for i in (count * worker / workers)..<(count * (worker + 1) / workers) {
                            Im2col.fold(g, columns: cols + i * ohw, input: dx + ((first + i) * g.inChannels + grp * g.inPerGroup) * inPlane,
                                        rowStride: width)
                        }
                    }
                }
            }
        } }
        } } }
        return gradInput
    }

    /// The weight gradient for small planes: dW += dY·colᵀ with K = images·ohw, one wide GEMM per chunk.
    static func backwardWeightBatched(_ g: ConvGeometry, images chunk: Int, input: Tensor, gradOutput: Tensor) -> Tensor {
        var gradWeight = Tensor(shape: g.weightShape)
        let ohw = g.outHeight * g.outWidth, inPlane = g.height * g.width
        var columns = Tensor(uninitializedShape: [g.patchSize * chunk * ohw])
        var wide = Tensor(uninitializedShape: [g.outPerGroup * chunk * ohw])
        let workers = Swift.max(1, Swift.min(threads, chunk))
        input.withUnsafePointer { x in gradOutput.withUnsafePointer { dy in gradWeight.withUnsafeMutablePointer { dw in
        columns.withUnsafeMutablePointer { cols in wide.withUnsafeMutablePointer { dyWide in
            let colsAddress = Int(bitPattern: cols)
            for first in stride(from: 0, to: g.batch, by: chunk) {
                let count = Swift.min(chunk, g.batch - first), width = count * ohw
                for grp in 0..<g.groups {
                    DispatchQueue.concurrentPerform(iterations: workers) { worker in
                        let cols = UnsafeMutablePointer<Float>(bitPattern: colsAddress)!
                        for i in (count * worker / workers)..<(count * (worker + 1) / workers) {
                            Im2col.unfold(g, input: x + ((first + i) * g.inChannels + grp * g.inPerGroup) * inPlane,
                                          columns: cols + i * ohw, rowStride: width)
                        }
                    }
                    gatherGroup(g, dy, first: first, count: count, group: grp, into: dyWide, workers: workers)
                    Gemm.sgemm(transB: true, m: g.outPerGroup, n: g.patchSize, k: width, a: dyWide, b: cols,
                               beta: 1, c: dw + grp * g.outPerGroup * g.patchSize)
                }
            }
        } }
        } } }
        return gradWeight
    }
}
