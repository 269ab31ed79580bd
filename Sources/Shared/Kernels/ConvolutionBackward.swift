// The two adjoints of the convolution, for training: the input gradient and the
// weight and bias gradients (the kernels: Depthwise.swift, PackedConvolution.swift).

extension Convolution {
    /// Gradient with respect to the input: conv-transpose of `gradOutput` with `weight`.
    ///
    /// Shapes: gradOutput `g.outputShape`, weight `g.weightShape` → `g.inputShape`.
    public static func backwardInput(_ g: ConvGeometry, gradOutput: Tensor, weight: Tensor) -> Tensor {
        precondition(gradOutput.shape == g.outputShape && weight.shape == g.weightShape, "conv backward shapes for \(g)")
        if g.isDepthwise { return Depthwise.backwardInput(g, gradOutput: gradOutput, weight: weight) }
        return backwardInputPacked(g, gradOutput: gradOutput, weight: weight)
    }

    /// Gradients with respect to weight and bias.
    ///
    /// Shapes: input `g.inputShape`, gradOutput `g.outputShape` → (weight `g.weightShape`, bias [C_out]).
    public static func backwardWeight(_ g: ConvGeometry, input: Tensor, gradOutput: Tensor) -> (weight: Tensor, bias: Tensor) {
        precondition(input.shape == g.inputShape && gradOutput.shape == g.outputShape, "conv backward shapes for \(g)")
        let gradBias = gradOutput.channelSums()
        if g.isDepthwise { return (Depthwise.backwardWeight(g, input: input, gradOutput: gradOutput), gradBias) }
        return (backwardWeightPacked(g, input: input, gradOutput: gradOutput), gradBias)
    }
}
