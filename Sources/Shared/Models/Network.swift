// A network built from a ModelGraph: its layers in evaluation order, each reading
// graph inputs or earlier layers, and linear heads on named layers. A single head
// takes torchvision's classifier name (fc, classifier.1, classifier.6); several
// heads are named heads.<name>.

/// A linear head. Ordinal heads (CORAL) share one weight row across thresholds: weight [1, F], bias [K−1].
/// Shapes: [N, F] → [N, outputCount].
public struct Head: Layer {
    public let spec: HeadSpec
    public let weight: Parameter
    public let bias: Parameter

    public init(_ spec: HeadSpec, features: Int, rng: inout SplitMix64, draw: Bool = true) {
        self.spec = spec
        let rows = spec.kind == .ordinal ? 1 : spec.outputCount
        weight = Parameter(draw ? defaultInitialization([rows, features], fanIn: features, rng: &rng) : Tensor(shape: [rows, features]))
        // CORAL thresholds start ordered (descending), so "class > k" is monotone from the start.
        bias = spec.kind == .ordinal
            ? Parameter(Tensor(shape: [spec.outputCount], scalars: (0..<spec.outputCount).map { Float(spec.outputCount) / 2 - Float($0) - 0.5 }))
            : Parameter(draw ? defaultInitialization([rows], fanIn: features, rng: &rng) : Tensor(shape: [rows]))
    }

    public func forward(_ x: Variable, _ ctx: ForwardContext) -> Variable {
        if spec.kind == .ordinal {
            // One score per sample, shifted by each threshold: [N, 1] + [K−1] → [N, K−1].
            return x.linear(weight: ctx.variable(weight), bias: nil) + ctx.variable(bias)
        }
        return x.linear(weight: ctx.variable(weight), bias: ctx.variable(bias))
    }

    public var namedParameters: [(name: String, parameter: Parameter)] { [("weight", weight), ("bias", bias)] }
    public func foldedForInference() -> any Layer { self }
}

/// A graph of layers with heads. Shapes: one tensor per graph input ([N, C, H, W] or [N, F]) → one [N, outputCount] per head.
public struct Network: Layer {
    /// The recipe the graph came from (architecture, width, heads); for a graph-only network, a description of it.
    public let spec: ModelSpec
    public let graph: ModelGraph
    /// One layer per graph node, in evaluation order.
    public let layers: [any Layer]
    public let heads: [Head]
    /// What each layer produces (rank, channels), known from building: no probe pass is needed to find one.
    public let outputShapes: [FeatureShape]
    /// Value slots: inputs first, then one per node. Per node the slots it reads and the slots free after it.
    let reads: [[Int]]
    let releases: [[Int]]
    let headSlots: [Int]

    /// Builds a registered architecture (`ArchitectureRegistry`) with freshly initialised weights (seeded), or with
    /// zeros where a model file's weights replace them all (`drawingWeights: false`).
    public init(spec: ModelSpec, seed: UInt64 = 0, drawingWeights: Bool = true) throws {
        try self.init(graph: try ArchitectureRegistry.graph(for: spec), spec: spec, seed: seed, drawingWeights: drawingWeights)
    }

    /// Builds any graph; layer kinds come from `LayerRegistry`. Weights are drawn in node order, then heads.
    public init(graph: ModelGraph, spec: ModelSpec? = nil, seed: UInt64 = 0, drawingWeights: Bool = true) throws {
        try graph.validate()
        self.graph = graph
        self.spec = spec ?? ModelSpec(graph: graph)
        let ctx = LayerBuildContext(seed: seed, drawsWeights: drawingWeights)
        var slots = Dictionary(uniqueKeysWithValues: graph.inputs.enumerated().map { ($0.element.name, $0.offset) })
        var shapes = graph.inputs.map(FeatureShape.init)
        var layers: [any Layer] = []
        var reads: [[Int]] = []
        for node in graph.nodes {
            // No named inputs: the previous node, or the first graph input for the first node.
            let r = node.inputs.isEmpty ? [layers.isEmpty ? 0 : shapes.count - 1] : node.inputs.map { slots[$0]! }
            let built = try ctx.build(node, inputs: r.map { shapes[$0] })
            if r.count > 1 && !(built.layer is MergeLayer) { throw node.invalid("reads \(r.count) inputs but is not a merging layer (concat, add)") }
            slots[node.name] = shapes.count
            shapes.append(built.output)
            layers.append(built.layer)
            reads.append(r)
        }
        var heads: [Head] = []
        for h in graph.heads {
            let shape = shapes[slots[h.input]!]
            guard shape.rank == 2 else {
                throw ReticleError(.corrupt, "model graph: head \(h.spec.name) reads \"\(h.input)\", an image-like map; pool or flatten it first")
            }
            try ctx.reserve((h.spec.kind == .ordinal ? 1 : h.spec.outputCount) * shape.channels + h.spec.outputCount,
                            for: LayerNode(h.parameterName, "head"))
            heads.append(Head(h.spec, features: shape.channels, rng: &ctx.rng, draw: drawingWeights))
        }
        self.layers = layers
        self.heads = heads
        outputShapes = Array(shapes.dropFirst(graph.inputs.count))
        self.reads = reads
        headSlots = graph.heads.map { slots[$0.input]! }
        // A value is dropped after its last reader, so a long network keeps only live activations.
        var lastUse = [Int: Int]()
        for (i, r) in reads.enumerated() { for s in r { lastUse[s] = i } }
        for s in headSlots { lastUse[s] = layers.count }
        var releases = [[Int]](repeating: [], count: layers.count)
        for (slot, last) in lastUse where last < layers.count { releases[last].append(slot) }
        self.releases = releases
    }

    /// The same graph and heads (shared) with other layers: the folded ones, for inference.
    private init(_ base: Network, layers: [any Layer]) {
        spec = base.spec; graph = base.graph; heads = base.heads; outputShapes = base.outputShapes
        reads = base.reads; releases = base.releases; headSlots = base.headSlots
        self.layers = layers
    }

    public var inputs: [GraphInput] { graph.inputs }

    /// Every value slot after a forward pass through layer `last` (all layers by default): those still read later
    /// (heads) and those in `keep`, the rest freed after their last reader. Grad-CAM keeps them all.
    func run(_ inputs: [Variable], _ ctx: ForwardContext, through last: Int? = nil, keep: Set<Int> = []) -> [Variable?] {
        precondition(inputs.count == graph.inputs.count, "\(graph.inputs.count) inputs expected (\(graph.inputs.map(\.name).joined(separator: ", "))), got \(inputs.count)")
        for (x, spec) in zip(inputs, graph.inputs) {
            let rank = spec.kind == .image ? 4 : 2
            precondition(x.value.rank == rank && x.shape[1] == spec.channels,
                         "input \(spec.name) must be \(rank == 4 ? "[N, \(spec.channels), H, W]" : "[N, \(spec.channels)]"), got \(x.shape)")
        }
        var values = [Variable?](repeating: nil, count: inputs.count + layers.count)
        for (i, x) in inputs.enumerated() { values[i] = x }
        for i in 0...(last ?? layers.count - 1) {
            values[inputs.count + i] = evaluate(i, values, ctx)
            for s in releases[i] where !keep.contains(s) { values[s] = nil }
        }
        return values
    }

    /// Layer `i` on the values it reads (a merge on several, checked to be one when the network was built).
    func evaluate(_ i: Int, _ values: [Variable?], _ ctx: ForwardContext) -> Variable {
        let xs = reads[i].map { values[$0]! }
        return xs.count == 1 ? layers[i](xs[0], ctx) : (layers[i] as! MergeLayer).forward(xs, ctx)
    }

    /// One logits tensor per head, in graph order.
    public func forwardHeads(_ inputs: [Variable], _ ctx: ForwardContext) -> [Variable] {
        let values = run(inputs, ctx)
        return zip(heads, headSlots).map { $0(values[$1]!, ctx) }
    }

    /// One logits tensor per head, for a single-input network.
    public func forwardHeads(_ x: Variable, _ ctx: ForwardContext) -> [Variable] { forwardHeads([x], ctx) }

    /// Per head, the features it reads ([N, F]) and its logits, from one pass: what an out-of-distribution check
    /// measures distances on.
    public func headOutputs(_ inputs: [Variable], _ ctx: ForwardContext) -> (features: [Variable], logits: [Variable]) {
        let values = run(inputs, ctx)
        return (headSlots.map { values[$0]! }, zip(heads, headSlots).map { $0(values[$1]!, ctx) })
    }

    /// All heads' logits side by side: [N, Σ outputCount] (single-input networks).
    public func forward(_ x: Variable, _ ctx: ForwardContext) -> Variable { forward([x], ctx) }

    /// All heads' logits side by side: [N, Σ outputCount].
    public func forward(_ inputs: [Variable], _ ctx: ForwardContext) -> Variable {
        let outs = forwardHeads(inputs, ctx)
        return outs.count == 1 ? outs[0] : Variable.concat(outs, axis: 1)
    }

    /// Evaluation-mode logits for tensors (one per input).
    public func callAsFunction(_ inputs: [Tensor]) -> Tensor { forward(inputs.map { Variable($0) }, .inference).value }

    public var namedParameters: [(name: String, parameter: Parameter)] {
        zip(graph.nodes, layers).flatMap { named($0.name, $1) } + zip(graph.heads, heads).flatMap { named($0.parameterName, $1) }
    }

    /// Every layer folded for inference (BatchNorm into convolutions, activations and residual sums into epilogues).
    public func foldedForInference() -> any Layer { folded() }

    /// `foldedForInference` keeping the Network type (heads, inputs and slots unchanged).
    public func folded() -> Network { Network(self, layers: foldedLayers()) }

    /// The same graph, heads and slots with these layers in the nodes' places (a quantised network's).
    func replacingLayers(_ layers: [any Layer]) -> Network {
        precondition(layers.count == self.layers.count, "one layer per node")
        return Network(self, layers: layers)
    }
}
