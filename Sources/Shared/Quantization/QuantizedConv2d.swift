// A convolution quantised after training: BatchNorm already folded into it, s8
// weights per output channel (symmetric, 7 bits: see ConvInt8.c), its input
// quantised per tensor to u8 with the scale and zero point found by calibration,
// and the epilogue (dequantise, bias, residual, activation) in the int8 kernel.

/// Shapes: [N, C_in, H, W] → [N, C_out, H_out, W_out], fp32 in and out; inference only (no gradient flows through it).
public struct QuantizedConv2d: ResidualConvolution {
    public let config: Conv2dConfig
    /// [C_out, C_in, kH, kW], |w| ≤ `Int8Convolution.weightLimit`.
    public let weights: [Int8]
    /// w ≈ weightScales[oc] · q, per output channel.
    public let weightScales: [Float]
    public let bias: [Float]
    public let input: ActivationQuantization
    public var fusedActivation: FusedActivation
    let packed: PackedInt8Weights
    /// input scale · weight scale, per output channel: what turns an s32 sum back into fp32.
    let outputScales: [Float]

    public init(config: Conv2dConfig, weights: [Int8], weightScales: [Float], bias: [Float], input: ActivationQuantization,
                fusedActivation: FusedActivation) {
        precondition(config.groups == 1, "int8 convolutions are ungrouped")
        precondition(weightScales.count == config.outChannels && bias.count == config.outChannels, "one scale and bias per output channel")
        self.config = config; self.weights = weights; self.weightScales = weightScales; self.bias = bias
        self.input = input; self.fusedActivation = fusedActivation
        packed = PackedInt8Weights(weights, outChannels: config.outChannels, inChannels: config.inChannels,
                                   taps: config.kernelSize * config.kernelSize)
        outputScales = weightScales.map { $0 * input.scale }
    }

    /// `conv` (folded, ungrouped) with its weights quantised per output channel and its input quantised as `input`.
    public init(quantizing conv: Conv2d, input: ActivationQuantization) {
        let c = conv.config, w = conv.weight.value.scalars
        let perChannel = w.count / c.outChannels, limit = Float(Int8Convolution.weightLimit)
        var q = [Int8](repeating: 0, count: w.count), scales = [Float](repeating: 1, count: c.outChannels)
        for oc in 0..<c.outChannels {
            let row = w[(oc * perChannel)..<((oc + 1) * perChannel)]
            let largest = row.reduce(Float(0)) { Swift.max($0, abs($1)) }
            // An all-zero channel keeps scale 1 (its codes are 0 either way).
            let scale = largest > 0 && largest.isFinite ? largest / limit : 1
            scales[oc] = scale
            for (i, v) in row.enumerated() { q[oc * perChannel + i] = Int8(Swift.max(-limit, Swift.min(limit, (v / scale).rounded(.toNearestOrEven)))) }
        }
        self.init(config: c, weights: q, weightScales: scales, bias: conv.bias?.value.scalars ?? [Float](repeating: 0, count: c.outChannels),
                  input: input, fusedActivation: conv.fusedActivation)
    }

    func geometry(_ x: Tensor) -> ConvGeometry { geometry(shape: x.shape) }

    func geometry(shape: [Int]) -> ConvGeometry {
        precondition(shape.count == 4 && shape[1] == config.inChannels, "QuantizedConv2d expects [N, \(config.inChannels), H, W], got \(shape)")
        return config.geometry(inputShape: shape)
    }

    public func forward(_ x: Variable, _ ctx: ForwardContext) -> Variable {
        Variable(Int8Convolution.forward(geometry(x.value), input: x.value, quantization: input, weights: packed, outputScales: outputScales,
                                         bias: bias, residual: nil, activation: fusedActivation))
    }

    public func forward(_ x: Variable, residual: Variable, _ ctx: ForwardContext) -> Variable {
        let g = geometry(x.value)
        precondition(residual.shape == g.outputShape, "residual \(residual.shape) ≠ output \(g.outputShape)")
        return Variable(Int8Convolution.forward(g, input: x.value, quantization: input, weights: packed, outputScales: outputScales,
                                                bias: bias, residual: residual.value, activation: fusedActivation))
    }

    /// act(conv + bias + residual) of input already quantised as this convolution's `input` (a chain, README "int8
    /// inference"): the same outputs as `forward` on the tensor those codes were quantised from.
    func forward(codes x: QuantizedActivations, residual: Tensor?) -> Tensor {
        precondition(x.quantization == input, "u8 activations quantised as \(x.quantization), this convolution reads \(input)")
        let g = geometry(shape: x.shape)
        precondition(residual.map { $0.shape == g.outputShape } ?? true, "residual \(residual?.shape ?? []) ≠ output \(g.outputShape)")
        return Int8Convolution.forward(g, codes: x.codes, zeroPoint: input.zeroPoint, weights: packed, outputScales: outputScales,
                                       bias: bias, residual: residual, activation: fusedActivation)
    }

    /// The outputs of `forward(codes:residual: nil)` quantised as `next` (the input of the convolution that reads
    /// them), without the fp32 tensor: bit for bit the codes `QuantizedActivations(forward(…), next)` would hold.
    func requantized(codes x: QuantizedActivations, for next: ActivationQuantization) -> QuantizedActivations {
        precondition(x.quantization == input, "u8 activations quantised as \(x.quantization), this convolution reads \(input)")
        let g = geometry(shape: x.shape)
        return QuantizedActivations(shape: g.outputShape, quantization: next,
                                    codes: Int8Convolution.requantized(g, codes: x.codes, zeroPoint: input.zeroPoint, weights: packed,
                                                                       outputScales: outputScales, bias: bias, activation: fusedActivation,
                                                                       output: next))
    }

    /// The weights as the int8 kernel sees them, back in fp32 (scale · code).
    public var dequantizedWeight: Tensor {
        let per = weights.count / config.outChannels
        return Tensor(shape: config.weightShape, scalars: weights.enumerated().map { Float($0.element) * weightScales[$0.offset / per] })
    }

    /// Nothing trainable: the quantised file stores the codes and scales itself (`QuantizedModel`).
    public var namedParameters: [(name: String, parameter: Parameter)] { [] }
    public func foldedForInference() -> any Layer { self }
}
