// Inference rewriting (what ONNX Runtime does, PERFORMANCE.md): BatchNorm folded
// into the preceding convolution, ReLU/ReLU6 and residual additions fused into
// the convolution's epilogue. The result computes the same function in
// evaluation mode with fewer passes over memory; it is for inference only.
//
// Every layer type states its inference form (`Layer.foldedForInference` has no
// default), so a new layer kind cannot be skipped silently: it does not compile
// until it says what folding does with it.

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

/// Folds a run of layers: containers are opened, weighted convolutions get their mask baked in, and each
/// Conv2d → BatchNorm2d (→ ReLU/ReLU6) run becomes one convolution; every other layer folds on its own. With
/// `fusingBlocks`, inverted residual stretches then become `FusedInvertedResidual`s (a residual block's body is
/// left as convolutions: the block fuses it with its shortcut).
func foldedLayerSequence(_ layers: [any Layer], fusingBlocks: Bool = true) -> [any Layer] {
    func open(_ layer: any Layer) -> [any Layer] {
        switch layer {
        case let n as NamedLayers: return n.children.flatMap { open($0.layer) }
        case let s as Sequential: return s.layers.flatMap(open)
        case let w as WeightedConv2d: return [w.maskedConvolution()]
        default: return [layer]
        }
    }
    let items = layers.flatMap(open)
    var out: [any Layer] = []
    var i = 0
    while i < items.count {
        if var conv = items[i] as? Conv2d, conv.fusedActivation == .none {
            if i + 1 < items.count, let bn = items[i + 1] as? BatchNorm2d {
                conv = conv.folding(bn)
                i += 1
            }
            if i + 1 < items.count, let act = items[i + 1] as? Activation, let fused = act.fused {
                conv.fusedActivation = fused
                i += 1
            }
            out.append(conv.packedWeight == nil ? conv.prepacked() : conv)
        } else {
            out.append(items[i].foldedForInference())
        }
        i += 1
    }
    return fusingBlocks ? fusingInvertedResiduals(out) : out
}

extension Network {
    /// Chains of top-level nodes (each reading only the previous one, whose output nobody else reads) folded
    /// together, so a convolution, its BatchNorm and its ReLU fold even when they are separate graph nodes. The
    /// chain runs in its first node's place; the rest become identities, so slots and names stay as they are.
    func foldedLayers() -> [any Layer] {
        let inputCount = graph.inputs.count
        var readers = [Int](repeating: 0, count: inputCount + layers.count)
        for r in reads { for s in r { readers[s] += 1 } }
        for s in headSlots { readers[s] += 1 }
        var out: [any Layer] = []
        var i = 0
        while i < layers.count {
            var end = i
            // A merge reads several values; it runs on its own, a chain may only follow it.
            while reads[i].count == 1, end + 1 < layers.count, reads[end + 1] == [inputCount + end], readers[inputCount + end] == 1 { end += 1 }
            if end == i {
                out.append(layers[i].foldedForInference())
            } else {
                out.append(Sequential(foldedLayerSequence(Array(layers[i...end]))))
                out += [any Layer](repeating: Identity(), count: end - i)
            }
            i = end + 1
        }
        return out
    }
}

/// A convolution whose epilogue can add a residual (the last one of a residual block): fp32, int8,
/// or one observed during calibration.
public protocol ResidualConvolution: Layer {
    /// act(conv(x) + bias + residual). Shapes: residual as the output.
    func forward(_ x: Variable, residual: Variable, _ ctx: ForwardContext) -> Variable
}

extension Conv2d: ResidualConvolution {}

/// A residual block after folding: body convolutions, then the last convolution with the shortcut
/// added (and its activation applied) in its epilogue. Shapes as the block it replaces.
public struct FusedResidualBlock: Layer {
    public let body: [any Layer]
    public let last: any ResidualConvolution
    public let shortcut: (any Layer)?

    public func forward(_ x: Variable, _ ctx: ForwardContext) -> Variable {
        // An all-int8 basic block passes u8 activations between its convolutions (Int8ResidualChain.swift).
        if let y = int8Chained(x, ctx) { return y }
        let identity = shortcut?(x, ctx) ?? x
        return last.forward(body.reduce(x) { $1($0, ctx) }, residual: identity, ctx)
    }

    public var namedParameters: [(name: String, parameter: Parameter)] { [] }
    public func foldedForInference() -> any Layer { self }
}
