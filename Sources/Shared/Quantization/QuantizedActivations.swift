// u8 activations passed from one int8 convolution to the next without an fp32
// tensor between them (README "int8 inference"): the layout the int8 kernel's
// packing reads, so the next convolution takes them as they are.

/// The codes of a [N, C, H, W] tensor quantised as `quantization`, laid out [N][H·W][C₄] (channels padded to a
/// multiple of 4 with the zero point), as `Int8Convolution.quantizeNHWC` writes them.
struct QuantizedActivations {
    /// [N, C, H, W] of the tensor the codes stand for.
    let shape: [Int]
    let quantization: ActivationQuantization
    let codes: [UInt8]

    init(shape: [Int], quantization: ActivationQuantization, codes: [UInt8]) {
        precondition(shape.count == 4 && codes.count >= shape[0] * shape[2] * shape[3] * Int8Convolution.paddedChannels(shape[1]),
                     "u8 activations \(shape) with \(codes.count) codes")
        self.shape = shape; self.quantization = quantization; self.codes = codes
    }

    /// `x` quantised once, for every int8 convolution that reads it with this quantisation.
    init(_ x: Tensor, _ quantization: ActivationQuantization) {
        precondition(x.rank == 4, "u8 activations are [N, C, H, W], got \(x.shape)")
        self.init(shape: x.shape, quantization: quantization,
                  codes: Int8Convolution.quantizeNHWC(x, quantization, parts: Swift.max(1, Convolution.threads)))
    }
}
