// A network built from a ModelSpec: a backbone that ends in a feature vector
// and one head per task. A single head takes torchvision's classifier name
// (fc, classifier.1, classifier.6); several heads are named heads.<name>.

/// A linear head. Ordinal heads (CORAL) share one weight row across thresholds: weight [1, F], bias [K−1].
/// Shapes: [N, F] → [N, outputCount].
public struct Head: Layer {
    public let spec: HeadSpec
    public let weight: Parameter
    public let bias: Parameter

    public init(_ spec: HeadSpec, features: Int, rng: inout SplitMix64) {
        self.spec = spec
        let rows = spec.kind == .ordinal ? 1 : spec.outputCount
        weight = Parameter(defaultInitialization([rows, features], fanIn: features, rng: &rng))
        // CORAL thresholds start ordered (descending), so "class > k" is monotone from the start.
        bias = spec.kind == .ordinal
            ? Parameter(Tensor(shape: [spec.outputCount], scalars: (0..<spec.outputCount).map { Float(spec.outputCount) / 2 - Float($0) - 0.5 }))
            : Parameter(defaultInitialization([rows], fanIn: features, rng: &rng))
    }

    public func forward(_ x: Variable, _ ctx: ForwardContext) -> Variable {
        if spec.kind == .ordinal {
            // One score per sample, shifted by each threshold: [N, 1] + [K−1] → [N, K−1].
            return x.linear(weight: ctx.variable(weight), bias: nil) + ctx.variable(bias)
        }
        return x.linear(weight: ctx.variable(weight), bias: ctx.variable(bias))
    }

    public var namedParameters: [(name: String, parameter: Parameter)] { [("weight", weight), ("bias", bias)] }
}

/// A backbone from `ModelSpec.Architecture` plus heads. Shapes: [N, inputChannels, H, W] → one [N, outputCount] per head.
public struct Network: Layer {
    public let spec: ModelSpec
    public let backbone: any Layer
    public let featureCount: Int
    public let heads: [Head]
    /// The single head's torchvision name, or nil when there are several heads.
    let singleHeadName: String?

    /// Builds the architecture with freshly initialised weights (seeded, so reproducible).
    public init(spec: ModelSpec, seed: UInt64 = 0) {
        self.spec = spec
        var rng = SplitMix64(seed: seed)
        let (backbone, features, headName): (any Layer, Int, String) = switch spec.architecture {
        case .compactCNN: CompactCNN.backbone(spec, rng: &rng)
        case .resnet18, .resnet34, .resnet50: ResNet.backbone(spec, rng: &rng)
        case .mobilenetV2: MobileNetV2.backbone(spec, rng: &rng)
        case .vgg11, .vgg16: VGG.backbone(spec, rng: &rng)
        }
        self.backbone = backbone
        featureCount = features
        heads = spec.heads.map { Head($0, features: features, rng: &rng) }
        singleHeadName = spec.heads.count == 1 ? headName : nil
    }

    /// One logits tensor per head, in spec order.
    public func forwardHeads(_ x: Variable, _ ctx: ForwardContext) -> [Variable] {
        precondition(x.value.rank == 4 && x.shape[1] == spec.inputChannels,
                     "\(spec.architecture.rawValue) expects [N, \(spec.inputChannels), H, W], got \(x.shape)")
        let features = backbone(x, ctx)
        return heads.map { $0(features, ctx) }
    }

    /// All heads' logits side by side: [N, Σ outputCount].
    public func forward(_ x: Variable, _ ctx: ForwardContext) -> Variable {
        let outs = forwardHeads(x, ctx)
        return outs.count == 1 ? outs[0] : Variable.concat(outs, axis: 1)
    }

    public var namedParameters: [(name: String, parameter: Parameter)] {
        backbone.namedParameters + heads.flatMap { named(singleHeadName ?? "heads.\($0.spec.name)", $0) }
    }
}
