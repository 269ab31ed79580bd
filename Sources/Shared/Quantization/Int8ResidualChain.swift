// A folded basic block whose convolutions are all int8 (ResNet's: conv1 with
// ReLU, conv2 adding the shortcut) runs without fp32 between them: conv1's
// epilogue requantises into conv2's input quantisation and writes the u8 NHWC
// codes conv2's packing reads, so conv2 neither reads an fp32 tensor nor
// quantises one. The codes are those the per-layer path would compute, bit for
// bit (same fp32 value, same rounding), so the block's outputs are unchanged.
// A 1×1 projection shortcut with conv1's input quantisation reads conv1's codes.

extension FusedResidualBlock {
    /// The block's output computed as a chain of int8 convolutions, or nil when the block is not a body of one int8
    /// convolution followed by an int8 last convolution (fp32 or grouped layers, longer bodies keep the layer path).
    func int8Chained(_ x: Variable, _ ctx: ForwardContext) -> Variable? {
        guard body.count == 1, let first = body[0] as? QuantizedConv2d, let second = last as? QuantizedConv2d,
              x.value.rank == 4 else { return nil }
        let input = QuantizedActivations(x.value, first.input)
        // A projection (1×1 stride 2) reads the same tensor; calibrated on it, it has the same quantisation, and then
        // the block input is quantised once for both. Another quantisation gets its own codes (the layer path).
        let identity: Tensor
        if let projection, projection.input == first.input {
            identity = projection.forward(codes: input, residual: nil)
        } else {
            identity = (shortcut?(x, ctx) ?? x).value
        }
        let hidden = first.requantized(codes: input, for: second.input)
        return Variable(second.forward(codes: hidden, residual: identity))
    }

    /// The shortcut when it is one int8 convolution (alone or as a one-layer Sequential, as folding leaves it).
    var projection: QuantizedConv2d? {
        if let q = shortcut as? QuantizedConv2d { return q }
        if let s = shortcut as? Sequential, s.layers.count == 1 { return s.layers[0] as? QuantizedConv2d }
        return nil
    }
}
