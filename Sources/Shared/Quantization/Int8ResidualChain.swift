// A folded basic block whose convolutions are all int8 (ResNet's: conv1 with
// ReLU, conv2 adding the shortcut) runs without fp32 between them: conv1's
// epilogue requantises into conv2's input quantisation and writes the u8 NHWC
// codes conv2's packing reads, so conv2 neither reads an fp32 tensor nor
// quantises one. The codes are those the per-layer path would compute, bit for
// bit (same fp32 value, same rounding), so the block's outputs are unchanged.

extension FusedResidualBlock {
    /// The block's output computed as a chain of int8 convolutions, or nil when the block is not a body of one int8
    /// convolution followed by an int8 last convolution (fp32 or grouped layers, longer bodies keep the layer path).
    func int8Chained(_ x: Variable, _ ctx: ForwardContext) -> Variable? {
        guard body.count == 1, let first = body[0] as? QuantizedConv2d, let second = last as? QuantizedConv2d,
              x.value.rank == 4 else { return nil }
        let identity = shortcut?(x, ctx) ?? x
        let hidden = first.requantized(codes: QuantizedActivations(x.value, first.input), for: second.input)
        return Variable(second.forward(codes: hidden, residual: identity.value))
    }
}
