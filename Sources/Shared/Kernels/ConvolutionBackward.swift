// The two adjoints of the GEMM convolution, for training: the input gradient
// (Wᵀ·dY, folded back by col2im) and the weight gradient (dY·colᵀ), with images
// split across threads as in the forward pass, or batched into wide GEMMs for
// small planes (ConvolutionBatched.swift).

extension Convolution {
    /// Gradient with respect to the input: conv-transpose of `gradOutput` with `weight`.
    ///
    /// Shapes: gradOutput `g.outputShape`, weight `g.weightShape` → `g.inputShape`.
    public static func backwardInput(_ g: ConvGeometry, gradOutput: Tensor, weight: Tensor) -> Tensor {
        precondition(gradOutput.shape == g.outputShape && weight.shape == g.weightShape, "conv backward shapes for \(g)")
        if g.isDepthwise { return Depthwise.backwardInput(g, gradOutput: gradOutput, weight: weight) }
        if microKernels { return backwardInputPacked(g, gradOutput: gradOutput, weight: weight) }
        if let images = imagesPerBatchedGEMM(g) { return backwardInputBatched(g, images: images, gradOutput: gradOutput, weight: weight) }
        // col2im accumulates, so the gradient starts at zero; pointwise GEMMs overwrite (beta = 0) instead.
        var gradInput = g.isPointwise ? Tensor(uninitializedShape: g.inputShape) : Tensor(shape: g.inputShape)
        let ohw = g.outHeight * g.outWidth, inPlane = g.height * g.width
        let workers = Swift.max(1, Swift.min(threads, g.batch))
        gradOutput.withUnsafePointer { dy in weight.withUnsafePointer { w in gradInput.withUnsafeMutablePointer { dx in
            let dxAddress = Int(bitPattern: dx)
            parallel(workers) { worker in
                let dx = UnsafeMutablePointer<Float>(bitPattern: dxAddress)!
                var scratch = g.isPointwise ? nil : Tensor(uninitializedShape: [g.patchSize * ohw])
                for n in (g.batch * worker / workers)..<(g.batch * (worker + 1) / workers) {
                    for grp in 0..<g.groups {
                        let dst = dx + (n * g.inChannels + grp * g.inPerGroup) * inPlane
                        let a = w + grp * g.outPerGroup * g.patchSize, b = dy + (n * g.outChannels + grp * g.outPerGroup) * ohw
                        // dcol[patch, ohw] = Wᵀ[patch, outPerGroup] · dY[outPerGroup, ohw]
                        if g.isPointwise {
                            Gemm.sgemm(transA: true, m: g.patchSize, n: ohw, k: g.outPerGroup, a: a, b: b, c: dst)
                        } else {
                            scratch!.withUnsafeMutablePointer { col in
                                Gemm.sgemm(transA: true, m: g.patchSize, n: ohw, k: g.outPerGroup, a: a, b: b, c: col)
                                Im2col.fold(g, columns: col, input: dst)
                            }
                        }
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
        let gradBias = gradOutput.channelSums()
        if g.isDepthwise { return (Depthwise.backwardWeight(g, input: input, gradOutput: gradOutput), gradBias) }
        if microKernels { return (backwardWeightPacked(g, input: input, gradOutput: gradOutput), gradBias) }
        if let images = imagesPerBatchedGEMM(g) {
            return (backwardWeightBatched(g, images: images, input: input, gradOutput: gradOutput), gradBias)
        }
        let ohw = g.outHeight * g.outWidth, inPlane = g.height * g.width
        let workers = Swift.max(1, Swift.min(threads, g.batch))
        // Each worker sums its images into its own buffer; the buffers are added at the end.
        var partials = (0..<workers).map { _ in Tensor(shape: g.weightShape) }
        let addresses = (0..<workers).map { i in partials[i].withUnsafeMutablePointer { Int(bitPattern: $0) } }
        input.withUnsafePointer { x in gradOutput.withUnsafePointer { dy in withExtendedLifetime(partials) {
            parallel(workers) { worker in
                let dw = UnsafeMutablePointer<Float>(bitPattern: addresses[worker])!
                var scratch = g.isPointwise ? nil : Tensor(uninitializedShape: [g.patchSize * ohw])
                for n in (g.batch * worker / workers)..<(g.batch * (worker + 1) / workers) {
                    for grp in 0..<g.groups {
                        let src = x + (n * g.inChannels + grp * g.inPerGroup) * inPlane
                        let a = dy + (n * g.outChannels + grp * g.outPerGroup) * ohw, c = dw + grp * g.outPerGroup * g.patchSize
                        // dW[outPerGroup, patch] += dY[outPerGroup, ohw] · colᵀ[ohw, patch]
                        if g.isPointwise {
                            Gemm.sgemm(transB: true, m: g.outPerGroup, n: g.patchSize, k: ohw, a: a, b: src, beta: 1, c: c)
                        } else {
                            scratch!.withUnsafeMutablePointer { col in
                                Im2col.unfold(g, input: src, columns: col)
                                Gemm.sgemm(transB: true, m: g.outPerGroup, n: g.patchSize, k: ohw, a: a, b: col, beta: 1, c: c)
                            }
                        }
                    }
                }
            }
        } } }
        var gradWeight = partials.removeFirst()
        for p in partials { gradWeight.add(p) }
        return (gradWeight, gradBias)
    }
}
