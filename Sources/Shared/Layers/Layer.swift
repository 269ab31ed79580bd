// The layer protocol, the per-pass context (tape, train/eval mode, dropout
// randomness), Sequential, and PyTorch-style dotted parameter names.

/// State of one forward pass: whether to record on a tape, train or eval mode, and the dropout stream.
public final class ForwardContext {
    public let tape: Tape?
    /// Training mode: BatchNorm uses batch statistics and updates running ones; Dropout drops.
    public let training: Bool
    public var rng: SplitMix64
    /// Parameters enter the tape as constants: gradients reach only the leaves the caller made (saliency), and
    /// nothing writes `Parameter.grad`, so several threads can explain with one network at once.
    public let frozenParameters: Bool

    public init(tape: Tape? = nil, training: Bool = false, seed: UInt64 = 0, frozenParameters: Bool = false) {
        self.tape = tape
        self.training = training
        self.frozenParameters = frozenParameters
        rng = SplitMix64(seed: seed)
    }

    /// Inference: no tape, evaluation mode.
    public static var inference: ForwardContext { ForwardContext() }

    /// The parameter as a variable: a tape leaf when recording, else a constant.
    public func variable(_ p: Parameter) -> Variable { frozenParameters ? Variable(p.value) : tape?.variable(p) ?? Variable(p.value) }
}

/// A network building block. Layers are values holding `Parameter` references, so copies share weights.
public protocol Layer {
    /// Runs the layer; shapes are documented on each conforming type.
    func forward(_ x: Variable, _ ctx: ForwardContext) -> Variable
    /// Parameters and buffers under their PyTorch state-dict names relative to this layer ("weight", "0.bn1.running_mean").
    var namedParameters: [(name: String, parameter: Parameter)] { get }
    /// The layer as inference should run it (BatchNorm folded, weights packed, see InferenceFolding); no default,
    /// so every layer kind states it and none is skipped silently.
    func foldedForInference() -> any Layer
}

extension Layer {
    public func callAsFunction(_ x: Variable, _ ctx: ForwardContext) -> Variable { forward(x, ctx) }

    /// Inference convenience: a tensor in, a tensor out, evaluation mode.
    public func callAsFunction(_ x: Tensor) -> Tensor { forward(Variable(x), .inference).value }

    /// Trainable parameters only (buffers left out), in name order of declaration.
    public var trainableParameters: [Parameter] { namedParameters.map(\.parameter).filter(\.isTrainable) }

    /// Number of trainable scalars.
    public var parameterCount: Int { trainableParameters.reduce(0) { $0 + $1.value.count } }
}

/// Prefixes a child's names: ("weight", p) under "conv1" → ("conv1.weight", p).
public func named(_ prefix: String, _ child: any Layer) -> [(name: String, parameter: Parameter)] {
    child.namedParameters.map { ("\(prefix).\($0.name)", $0.parameter) }
}

/// Layers applied in order; children are named "0", "1", ... as in `torch.nn.Sequential`
/// (parameter-free layers keep their index, so torchvision names line up).
public struct Sequential: Layer {
    public var layers: [any Layer]

    public init(_ layers: [any Layer]) { self.layers = layers }
    public init(_ layers: any Layer...) { self.layers = layers }

    public func forward(_ x: Variable, _ ctx: ForwardContext) -> Variable {
        layers.reduce(x) { $1.forward($0, ctx) }
    }

    public var namedParameters: [(name: String, parameter: Parameter)] {
        layers.enumerated().flatMap { named(String($0.offset), $0.element) }
    }

    public func foldedForInference() -> any Layer { Sequential(foldedLayerSequence(layers)) }
}

/// Passes its input through unchanged (stands in where a layer is optional).
public struct Identity: Layer {
    public init() {}
    public func forward(_ x: Variable, _ ctx: ForwardContext) -> Variable { x }
    public var namedParameters: [(name: String, parameter: Parameter)] { [] }
    public func foldedForInference() -> any Layer { self }
}

/// PyTorch's default initialisation for conv and linear layers: U(−1/√fan_in, 1/√fan_in)
/// (kaiming_uniform with a = √5 reduces to this bound).
func defaultInitialization(_ shape: [Int], fanIn: Int, rng: inout SplitMix64) -> Tensor {
    let bound = 1 / Float(max(fanIn, 1)).squareRoot()
    return Tensor.uniform(shape, low: -bound, high: bound, using: &rng)
}

/// He (Kaiming) normal initialisation, fan-out mode, as torchvision's ResNet and MobileNet use for convolutions.
func kaimingNormal(_ shape: [Int], fanOut: Int, rng: inout SplitMix64) -> Tensor {
    Tensor.normal(shape, std: (2 / Float(max(fanOut, 1))).squareRoot(), using: &rng)
}
