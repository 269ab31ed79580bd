// Fully connected layer, Flatten and Dropout.

/// y = x·Wᵀ + b. Shapes: [N, in] → [N, out]; weight [out, in], bias [out] (PyTorch layout).
public struct Linear: Layer {
    public let weight: Parameter
    public let bias: Parameter?

    public init(_ inFeatures: Int, _ outFeatures: Int, bias: Bool = true, rng: inout SplitMix64) {
        weight = Parameter(defaultInitialization([outFeatures, inFeatures], fanIn: inFeatures, rng: &rng))
        self.bias = bias ? Parameter(defaultInitialization([outFeatures], fanIn: inFeatures, rng: &rng)) : nil
    }

    /// Explicit weights (zeros before a model file's are loaded). Shapes: weight [out, in], bias [out].
    public init(weight: Tensor, bias: Tensor?) {
        precondition(weight.rank == 2 && (bias == nil || bias!.shape == [weight.shape[0]]), "linear weight [out, in], bias [out]")
        self.weight = Parameter(weight)
        self.bias = bias.map { Parameter($0) }
    }

    public var inFeatures: Int { weight.shape[1] }
    public var outFeatures: Int { weight.shape[0] }

    public func forward(_ x: Variable, _ ctx: ForwardContext) -> Variable {
        precondition(x.value.rank == 2 && x.shape[1] == inFeatures, "Linear expects [N, \(inFeatures)], got \(x.shape)")
        return x.linear(weight: ctx.variable(weight), bias: bias.map { ctx.variable($0) })
    }

    public var namedParameters: [(name: String, parameter: Parameter)] {
        [("weight", weight)] + (bias.map { [("bias", $0)] } ?? [])
    }

    public func foldedForInference() -> any Layer { self }
}

/// [N, ...] → [N, rest].
public struct Flatten: Layer {
    public init() {}
    public func forward(_ x: Variable, _ ctx: ForwardContext) -> Variable { x.flattenedBatch() }
    public var namedParameters: [(name: String, parameter: Parameter)] { [] }
    public func foldedForInference() -> any Layer { self }
}

/// Zeroes each unit with probability `p` in training and scales the rest by 1/(1−p); identity in evaluation.
public struct Dropout: Layer {
    public let probability: Float

    public init(_ probability: Float = 0.5) {
        precondition(probability >= 0 && probability < 1, "dropout probability must be in [0, 1)")
        self.probability = probability
    }

    public func forward(_ x: Variable, _ ctx: ForwardContext) -> Variable {
        guard ctx.training && probability > 0 else { return x }
        let keep = 1 - probability
        var mask = Tensor(shape: x.shape)
        let n = mask.count
        mask.withUnsafeMutablePointer { m in for i in 0..<n { m[i] = ctx.rng.nextUniform() < keep ? 1 / keep : 0 } }
        return x.masked(by: mask)
    }

    public var namedParameters: [(name: String, parameter: Parameter)] { [] }
    /// Evaluation mode drops nothing.
    public func foldedForInference() -> any Layer { Identity() }
}
