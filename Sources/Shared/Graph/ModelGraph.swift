// A network as data: named inputs, layers in evaluation order (each reading graph
// inputs or earlier layers, so branches and merges are plain), and named heads on
// any layer. The manifest of a model file stores it, so a file describes its own
// network; Network(graph:) builds it through LayerRegistry.

/// A named input of a graph: an image-like tensor [N, C, H, W] or a feature vector [N, F].
public struct GraphInput: Codable, Equatable, Sendable {
    public enum Kind: String, Codable, Sendable { case image, vector }
    public var name: String
    public var kind: Kind
    /// C for an image input, F for a vector input.
    public var channels: Int

    public init(_ name: String, kind: Kind = .image, channels: Int) {
        self.name = name; self.kind = kind; self.channels = channels
    }
}

/// A classifier head (linear, see `Head`) reading one graph node's feature vector [N, F].
public struct GraphHead: Codable, Equatable, Sendable {
    public var spec: HeadSpec
    /// The node whose output the head reads.
    public var input: String
    /// The head's parameter prefix: torchvision's "fc" / "classifier.1" for one head, "heads.<name>" for several.
    public var parameterName: String

    public init(_ spec: HeadSpec, input: String, parameterName: String) {
        self.spec = spec; self.input = input; self.parameterName = parameterName
    }
}

public struct ModelGraph: Codable, Equatable, Sendable {
    public var inputs: [GraphInput]
    public var nodes: [LayerNode]
    public var heads: [GraphHead]

    public init(inputs: [GraphInput], nodes: [LayerNode], heads: [GraphHead]) {
        self.inputs = inputs; self.nodes = nodes; self.heads = heads
    }

    /// A single image input named "image" followed by `body` and one head per spec on its last node, with
    /// torchvision's head name for one head (`singleHeadName`) and "heads.<name>" for several.
    public static func singleInput(channels: Int, body: [LayerNode], heads: [HeadSpec], singleHeadName: String) -> ModelGraph {
        let last = body.last?.name ?? "image"
        return ModelGraph(inputs: [GraphInput("image", channels: channels)], nodes: body,
                          heads: heads.map { GraphHead($0, input: last, parameterName: heads.count == 1 ? singleHeadName : "heads.\($0.name)") })
    }

    /// Checks names and references before anything is built: unique names, inputs that exist and come
    /// earlier, heads on existing nodes, counts within bounds.
    public func validate() throws {
        func bad(_ reason: String) -> ReticleError { ReticleError(.corrupt, "model graph: \(reason)") }
        guard (1...16).contains(inputs.count) else { throw bad("needs 1 to 16 inputs, has \(inputs.count)") }
        guard (1...100_000).contains(nodes.count) else { throw bad("needs 1 to 100000 layers, has \(nodes.count)") }
        guard (1...64).contains(heads.count) else { throw bad("needs 1 to 64 heads, has \(heads.count)") }
        var known = Set<String>()
        for i in inputs {
            guard !i.name.isEmpty, known.insert(i.name).inserted else { throw bad("input name \"\(i.name)\" is empty or repeated") }
            guard (1...65_536).contains(i.channels) else { throw bad("input \(i.name) has \(i.channels) channels (1...65536 allowed)") }
        }
        for n in nodes {
            for r in n.inputs where !known.contains(r) {
                throw bad("layer \"\(n.name)\" reads \"\(r)\", which is neither an input nor an earlier layer")
            }
            guard !n.name.isEmpty, known.insert(n.name).inserted else { throw bad("layer name \"\(n.name)\" is empty or repeated") }
        }
        guard Set(heads.map(\.spec.name)).count == heads.count else { throw bad("head names must be unique") }
        for h in heads {
            guard nodes.contains(where: { $0.name == h.input }) else { throw bad("head \(h.spec.name) reads \"\(h.input)\", which is not a layer") }
            guard (2...100_000).contains(h.spec.classes.count) else { throw bad("head \(h.spec.name) has \(h.spec.classes.count) classes (2...100000 allowed)") }
        }
    }
}
