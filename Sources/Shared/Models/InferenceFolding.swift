// Inference rewriting (what ONNX Runtime does, PERFORMANCE.md): BatchNorm folded
// into the preceding convolution, ReLU/ReLU6 and residual additions fused into
// the convolution's epilogue. The result computes the same function in
// evaluation mode with fewer passes over memory; it is for inference only.

extension Conv2d {
    /// This convolution followed by `bn` in evaluation mode, as one convolution:
    /// w′ = w·s, b′ = (b − μ)·s + β with s = γ/√(σ² + ε), per output channel.
    public func folding(_ bn: BatchNorm2d, activation: FusedActivation = .none) -> Conv2d {
        precondition(bn.channels == config.outChannels, "BatchNorm(\(bn.channels)) cannot fold into \(config.outChannels) output channels")
        let (scale, shift) = bn.affine
        var w = weight.value
        let perChannel = w.count / config.outChannels
        w.withUnsafeMutablePointer { p in
            for oc in 0..<config.outChannels { for i in 0..<perChannel { p[oc * perChannel + i] *= scale[oc] } }
        }
        let b = bias?.value.scalars ?? [Float](repeating: 0, count: config.outChannels)
        var cfg = config
        cfg.bias = true
        return Conv2d(cfg, weight: w, bias: Tensor(shape: [config.outChannels], scalars: (0..<config.outChannels).map { b[$0] * scale[$0] + shift[$0] }),
                      fusedActivation: activation).prepacked()
    }
}

/// Rewrites a layer tree for inference (see the file header). Layers it does not know are kept as they are.
public func foldedForInference(_ layer: any Layer) -> any Layer {
    switch layer {
    case let s as Sequential:
        return Sequential(foldSequence(s.layers.map { ("", $0) }).map(\.1))
    case let n as NamedLayers:
        return NamedLayers(children: foldSequence(n.children.map { ($0.name, $0.layer) }).map { (name: $0.0, layer: $0.1) })
    case let b as BasicBlock:
        return FusedResidualBlock(body: [b.conv1.folding(b.bn1, activation: .relu)], last: b.conv2.folding(b.bn2, activation: .relu),
                                  shortcut: b.downsample.map(foldedForInference))
    case let b as Bottleneck:
        return FusedResidualBlock(body: [b.conv1.folding(b.bn1, activation: .relu), b.conv2.folding(b.bn2, activation: .relu)],
                                  last: b.conv3.folding(b.bn3, activation: .relu), shortcut: b.downsample.map(foldedForInference))
    case let r as InvertedResidual:
        let folded = foldSequence(r.conv.layers.map { ("", $0) }).map(\.1)
        guard r.useResidual, let last = folded.last as? Conv2d else { return Sequential(folded) }
        return FusedResidualBlock(body: Array(folded.dropLast()), last: last, shortcut: nil)
    case let net as Network:
        return Sequential(foldedForInference(net.backbone), HeadsLayer(heads: net.heads))
    default:
        return layer
    }
}

/// Folds Conv2d → BatchNorm2d (→ ReLU/ReLU6) runs into single convolutions, recursing into children.
private func foldSequence(_ items: [(String, any Layer)]) -> [(String, any Layer)] {
    var out: [(String, any Layer)] = []
    var i = 0
    while i < items.count {
        let (name, layer) = items[i]
        if var conv = layer as? Conv2d, conv.fusedActivation == .none {
            if i + 1 < items.count, let bn = items[i + 1].1 as? BatchNorm2d {
                conv = conv.folding(bn)
                i += 1
            }
            if i + 1 < items.count, let act = items[i + 1].1 as? Activation, let fused = act.fused {
                conv.fusedActivation = fused
                i += 1
            }
            out.append((name, conv.packedWeight == nil ? conv.prepacked() : conv))
        } else {
            out.append((name, foldedForInference(layer)))
        }
        i += 1
    }
    return out
}

/// A residual block after folding: body convolutions, then the last convolution with the shortcut
/// added (and its activation applied) in its epilogue. Shapes as the block it replaces.
public struct FusedResidualBlock: Layer {
    public let body: [any Layer]
    public let last: Conv2d
    public let shortcut: (any Layer)?

    public func forward(_ x: Variable, _ ctx: ForwardContext) -> Variable {
        let identity = shortcut?(x, ctx) ?? x
        return last.forward(body.reduce(x) { $1($0, ctx) }, residual: identity, ctx)
    }

    public var namedParameters: [(name: String, parameter: Parameter)] { [] }
}

/// All heads side by side, as `Network.forward`. Shapes: [N, F] → [N, Σ outputCount].
struct HeadsLayer: Layer {
    let heads: [Head]
    func forward(_ x: Variable, _ ctx: ForwardContext) -> Variable {
        heads.count == 1 ? heads[0](x, ctx) : Variable.concat(heads.map { $0(x, ctx) }, axis: 1)
    }
    var namedParameters: [(name: String, parameter: Parameter)] { [] }
}
