// Convolution for small output planes (ResNet's later stages: 14×14, 7×7): the
// columns of several images sit side by side so one wide GEMM (N = images·H_out·W_out,
// threaded by OpenBLAS) replaces many narrow per-image GEMMs that BLAS runs poorly.

import Foundation

extension Convolution {
    /// Aim for GEMMs about this wide; narrower ones lose much of the machine's rate (0 turns the path off).
    nonisolated(unsafe) static var batchedColumns = 2048

    /// Images per wide GEMM for `g`, or nil when per-image GEMMs are already wide enough.
    static func imagesPerBatchedGEMM(_ g: ConvGeometry) -> Int? {
        let ohw = g.outHeight * g.outWidth
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
