// Conv2d and the weighted Conv2d (kernel multiplied by a fixed spatial density
// mask). Parameters use PyTorch's layout and names: weight [C_out, C_in/groups, kH, kW], bias [C_out].

/// Hyper-parameters of a 2-D convolution; what a model spec stores.
public struct Conv2dConfig: Codable, Equatable, Sendable {
    public var inChannels: Int
    public var outChannels: Int
    public var kernelSize: Int
    public var stride: Int = 1
    public var padding: Int = 0
    public var dilation: Int = 1
    public var groups: Int = 1
    public var bias: Bool = true

    public init(_ inChannels: Int, _ outChannels: Int, kernelSize: Int, stride: Int = 1, padding: Int = 0,
                dilation: Int = 1, groups: Int = 1, bias: Bool = true) {
        precondition(inChannels % groups == 0 && outChannels % groups == 0, "groups \(groups) must divide \(inChannels) and \(outChannels)")
        self.inChannels = inChannels; self.outChannels = outChannels; self.kernelSize = kernelSize
        self.stride = stride; self.padding = padding; self.dilation = dilation; self.groups = groups; self.bias = bias
    }

    public var weightShape: [Int] { [outChannels, inChannels / groups, kernelSize, kernelSize] }

    /// This convolution over an input of `shape` [N, C_in, H, W].
    func geometry(inputShape shape: [Int]) -> ConvGeometry {
        ConvGeometry(batch: shape[0], inChannels: inChannels, height: shape[2], width: shape[3], outChannels: outChannels,
                     kernel: (kernelSize, kernelSize), stride: (stride, stride), padding: (padding, padding),
                     dilation: (dilation, dilation), groups: groups)
    }
    var fanIn: Int { inChannels / groups * kernelSize * kernelSize }
    var fanOut: Int { outChannels / groups * kernelSize * kernelSize }
}

/// 2-D convolution. Shapes: [N, C_in, H, W] → [N, C_out, H_out, W_out].
public struct Conv2d: Layer {
    public let config: Conv2dConfig
    public let weight: Parameter
    public let bias: Parameter?
    /// An activation fused into the convolution's epilogue (set when BatchNorm and ReLU are folded in for inference).
    public var fusedActivation: FusedActivation = .none
    /// The weight packed for the convolution kernels once, for inference (`prepacked()`); nil while training.
    public var packedWeight: PackedConvWeights?

    /// PyTorch's default initialisation, from `rng`.
    public init(_ config: Conv2dConfig, rng: inout SplitMix64) {
        self.config = config
        weight = Parameter(defaultInitialization(config.weightShape, fanIn: config.fanIn, rng: &rng))
        bias = config.bias ? Parameter(defaultInitialization([config.outChannels], fanIn: config.fanIn, rng: &rng)) : nil
    }

    /// Explicit weights (loaded, or folded from a BatchNorm).
    public init(_ config: Conv2dConfig, weight: Tensor, bias: Tensor?, fusedActivation: FusedActivation = .none) {
        precondition(weight.shape == config.weightShape, "conv weight \(weight.shape) ≠ \(config.weightShape)")
        precondition(bias == nil || bias!.shape == [config.outChannels], "conv bias must be [\(config.outChannels)]")
        self.config = config
        self.weight = Parameter(weight)
        self.bias = bias.map { Parameter($0) }
        self.fusedActivation = fusedActivation
    }

    /// Re-initialises the weight He-normal (fan-out), torchvision's choice for ResNet and MobileNetV2.
    func kaimingInitialized(rng: inout SplitMix64) -> Conv2d {
        weight.value = kaimingNormal(config.weightShape, fanOut: config.fanOut, rng: &rng)
        bias?.value = Tensor(shape: [config.outChannels])
        return self
    }

    public func forward(_ x: Variable, _ ctx: ForwardContext) -> Variable {
        precondition(x.value.rank == 4 && x.shape[1] == config.inChannels, "Conv2d expects [N, \(config.inChannels), H, W], got \(x.shape)")
        return convolve(x, weight: ctx.variable(weight), ctx)
    }

    /// act(conv(x) + bias + residual), the residual added in the epilogue (a fused ResNet block's second convolution).
    /// Shapes: residual [N, C_out, H_out, W_out].
    public func forward(_ x: Variable, residual: Variable, _ ctx: ForwardContext) -> Variable {
        convolve(x, weight: ctx.variable(weight), residual: residual, ctx)
    }

    func convolve(_ x: Variable, weight w: Variable, residual: Variable? = nil, _ ctx: ForwardContext) -> Variable {
        let c = config
        return x.conv2d(weight: w, bias: bias.map { ctx.variable($0) }, stride: (c.stride, c.stride), padding: (c.padding, c.padding),
                        dilation: (c.dilation, c.dilation), groups: c.groups, residual: residual, activation: fusedActivation,
                        packed: packedWeight.flatMap { $0.weight?.storage === w.value.storage ? $0 : nil })
    }

    /// This convolution with its weight packed for the kernels, so inference does not repack it on every call.
    /// The packing keeps a reference to the weight's storage, so a later change to the weight copies it first; the
    /// storages then differ and `convolve` packs afresh instead of using a stale packing (tested).
    public func prepacked() -> Conv2d {
        var copy = self
        let isDepthwise = config.groups == config.inChannels && config.groups == config.outChannels && config.groups > 1
        if !isDepthwise { copy.packedWeight = PackedConvWeights(weight: weight.value, groups: config.groups) }
        return copy
    }

    public var namedParameters: [(name: String, parameter: Parameter)] {
        [("weight", weight)] + (bias.map { [("bias", $0)] } ?? [])
    }

    public func foldedForInference() -> any Layer { packedWeight == nil ? prepacked() : self }
}

/// A convolution whose kernel is multiplied by a fixed spatial density mask [kH, kW] before use:
/// same trainable parameters (and names) as Conv2d, the mask is a constant, never trained or saved.
/// Shapes: [N, C_in, H, W] → [N, C_out, H_out, W_out].
public struct WeightedConv2d: Layer {
    public let conv: Conv2d
    public let mask: Tensor

    public init(_ conv: Conv2d, mask: Tensor) {
        precondition(mask.shape == [conv.config.kernelSize, conv.config.kernelSize], "density mask must be [k, k], got \(mask.shape)")
        self.conv = conv
        self.mask = mask
    }

    public func forward(_ x: Variable, _ ctx: ForwardContext) -> Variable {
        let k = conv.config.kernelSize
        let masked = ctx.variable(conv.weight) * Variable(mask.reshaped([1, 1, k, k]))
        return conv.convolve(x, weight: masked, ctx)
    }

    public var namedParameters: [(name: String, parameter: Parameter)] { conv.namedParameters }

    /// The plain convolution with the mask multiplied into its weight: the same function, for inference.
    public func maskedConvolution() -> Conv2d {
        let k = conv.config.kernelSize
        var w = conv.weight.value
        let m = mask.scalars, n = w.count
        w.withUnsafeMutablePointer { p in for i in 0..<n { p[i] *= m[i % (k * k)] } }
        return Conv2d(conv.config, weight: w, bias: conv.bias?.value, fusedActivation: conv.fusedActivation)
    }

    public func foldedForInference() -> any Layer { maskedConvolution().prepacked() }
}
