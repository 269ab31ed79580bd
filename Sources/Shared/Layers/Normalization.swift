// Normalisation layers: BatchNorm2d (running statistics, train/eval mode),
// GroupNorm and LayerNorm. Names follow PyTorch: weight, bias, running_mean, running_var.

/// Batch normalisation per channel. Shapes: [N, C, H, W] (or [N, C]) → same.
public struct BatchNorm2d: Layer {
    public let weight: Parameter
    public let bias: Parameter
    public let runningMean: Parameter
    public let runningVar: Parameter
    public let momentum: Float
    public let epsilon: Float

    public init(_ channels: Int, momentum: Float = 0.1, epsilon: Float = 1e-5) {
        weight = Parameter(.ones([channels]))
        bias = Parameter(.zeros([channels]))
        runningMean = Parameter(.zeros([channels]), trainable: false)
        runningVar = Parameter(.ones([channels]), trainable: false)
        self.momentum = momentum
        self.epsilon = epsilon
    }

    public var channels: Int { weight.shape[0] }

    public func forward(_ x: Variable, _ ctx: ForwardContext) -> Variable {
        precondition(x.value.rank >= 2 && x.shape[1] == channels, "BatchNorm2d(\(channels)) got \(x.shape)")
        return x.batchNorm(weight: ctx.variable(weight), bias: ctx.variable(bias), runningMean: runningMean,
                           runningVar: runningVar, training: ctx.training, momentum: momentum, epsilon: epsilon)
    }

    /// The evaluation-mode map as y = scale·x + shift per channel (what folding into a convolution needs).
    public var affine: (scale: [Float], shift: [Float]) {
        let g = weight.value.scalars, b = bias.value.scalars, m = runningMean.value.scalars, v = runningVar.value.scalars
        let scale = (0..<channels).map { g[$0] / (v[$0] + epsilon).squareRoot() }
        return (scale, (0..<channels).map { b[$0] - m[$0] * scale[$0] })
    }

    public var namedParameters: [(name: String, parameter: Parameter)] {
        [("weight", weight), ("bias", bias), ("running_mean", runningMean), ("running_var", runningVar)]
    }
    public func foldedForInference() -> any Layer { self }
}

/// Group normalisation (Wu & He, 2018): statistics over each group of C/G channels and all pixels, per sample.
/// Shapes: [N, C, H, W] → same; weight, bias [C].
public struct GroupNorm: Layer {
    public let groups: Int
    public let weight: Parameter
    public let bias: Parameter
    public let epsilon: Float

    public init(groups: Int, channels: Int, epsilon: Float = 1e-5) {
        precondition(groups >= 1 && channels % groups == 0, "GroupNorm: \(groups) groups must divide \(channels) channels")
        self.groups = groups
        weight = Parameter(.ones([channels]))
        bias = Parameter(.zeros([channels]))
        self.epsilon = epsilon
    }

    public func forward(_ x: Variable, _ ctx: ForwardContext) -> Variable {
        let c = weight.shape[0]
        precondition(x.value.rank == 4 && x.shape[1] == c, "GroupNorm(\(c)) expects [N, \(c), H, W], got \(x.shape)")
        let n = x.shape[0]
        let normalized = x.reshaped([n * groups, -1]).normalizedRows(epsilon: epsilon).reshaped(x.shape)
        return normalized * ctx.variable(weight).reshaped([1, c, 1, 1]) + ctx.variable(bias).reshaped([1, c, 1, 1])
    }

    public var namedParameters: [(name: String, parameter: Parameter)] { [("weight", weight), ("bias", bias)] }
    public func foldedForInference() -> any Layer { self }
}

/// Layer normalisation over the trailing `normalizedShape` dimensions, with an elementwise affine of that shape.
/// Shapes: [..., *normalizedShape] → same.
public struct LayerNorm: Layer {
    public let normalizedShape: [Int]
    public let weight: Parameter
    public let bias: Parameter
    public let epsilon: Float

    public init(_ normalizedShape: [Int], epsilon: Float = 1e-5) {
        self.normalizedShape = normalizedShape
        weight = Parameter(.ones(normalizedShape))
        bias = Parameter(.zeros(normalizedShape))
        self.epsilon = epsilon
    }

    public func forward(_ x: Variable, _ ctx: ForwardContext) -> Variable {
        precondition(Array(x.shape.suffix(normalizedShape.count)) == normalizedShape,
                     "LayerNorm(\(normalizedShape)) got \(x.shape)")
        let m = normalizedShape.reduce(1, *)
        let normalized = x.reshaped([-1, m]).normalizedRows(epsilon: epsilon).reshaped(x.shape)
        return normalized * ctx.variable(weight) + ctx.variable(bias)
    }

    public var namedParameters: [(name: String, parameter: Parameter)] { [("weight", weight), ("bias", bias)] }
    public func foldedForInference() -> any Layer { self }
}
