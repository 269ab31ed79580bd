// The open set of layer kinds a model graph may use. Shared registers the built-in
// kinds (BuiltinLayers); a module or a test adds its own with `register`, without
// editing Shared. Building checks every attribute and reserves each parameter's size
// against a budget before allocating, so a hostile manifest cannot exhaust memory.

import Foundation

/// A built layer and what it produces.
public struct BuiltLayer {
    public var layer: any Layer
    public var output: FeatureShape
    public init(_ layer: any Layer, _ output: FeatureShape) { self.layer = layer; self.output = output }
}

/// Builds one node: its layer, given the shapes of its inputs (one for most kinds, several for merges).
public typealias LayerFactory = (_ node: LayerNode, _ inputs: [FeatureShape], _ context: LayerBuildContext) throws -> BuiltLayer

/// State shared by the factories while one graph is built: the seeded initialisation stream and the parameter budget.
public final class LayerBuildContext {
    /// Weights are drawn from this stream in build order, so a seed gives the same network every time.
    public var rng: SplitMix64
    /// Scalars still allowed (parameters and buffers together).
    public private(set) var remainingScalars: Int
    /// False when a model file's weights will replace every parameter: layers start at zero instead of drawing
    /// (drawing ResNet-18's 11 M normal values took 0.4 s of every model load).
    public let drawsWeights: Bool

    /// 2^28 scalars (1 GiB of Float32) is far above any network Reticle ships (ResNet-50: 25.6 M).
    public static let defaultBudget = 1 << 28

    public init(seed: UInt64, budget: Int = LayerBuildContext.defaultBudget, drawsWeights: Bool = true) {
        rng = SplitMix64(seed: seed)
        remainingScalars = budget
        self.drawsWeights = drawsWeights
    }

    /// Claims `count` scalars for `node` before they are allocated.
    public func reserve(_ count: Int, for node: LayerNode) throws {
        guard count >= 0, count <= remainingScalars else {
            throw node.invalid("needs \(count) more parameters than the model budget allows (\(remainingScalars) scalars left)")
        }
        remainingScalars -= count
    }

    /// Builds `node` through the registry.
    public func build(_ node: LayerNode, inputs: [FeatureShape]) throws -> BuiltLayer {
        guard let factory = LayerRegistry.factory(node.op) else {
            throw ReticleError(.unsupported, "model graph: layer \"\(node.name)\" is of kind \"\(node.op)\", which this Reticle does not know "
                               + "(known: \(LayerRegistry.kinds.joined(separator: ", ")))")
        }
        guard !inputs.isEmpty else { throw node.invalid("has no input") }
        return try factory(node, inputs, self)
    }

    /// Builds a container's children one after another, named as they are.
    public func buildSequence(_ children: [LayerNode], input: FeatureShape) throws -> (NamedLayers, FeatureShape) {
        var shape = input
        var built: [(name: String, layer: any Layer)] = []
        for child in children {
            guard child.inputs.isEmpty else { throw child.invalid("a container's layer cannot name inputs") }
            let b = try build(child, inputs: [shape])
            built.append((child.name, b.layer))
            shape = b.output
        }
        return (NamedLayers(children: built), shape)
    }
}

public enum LayerRegistry {
    private final class Store: @unchecked Sendable {
        let lock = NSLock()
        var factories: [String: LayerFactory] = BuiltinLayers.factories
    }
    private static let store = Store()

    /// Adds (or replaces) the layer kind `op`. Registering is cheap; do it before loading models that use the kind.
    public static func register(_ op: String, _ factory: @escaping LayerFactory) {
        store.lock.lock(); defer { store.lock.unlock() }
        store.factories[op] = factory
    }

    public static func factory(_ op: String) -> LayerFactory? {
        store.lock.lock(); defer { store.lock.unlock() }
        return store.factories[op]
    }

    /// The registered kinds, sorted.
    public static var kinds: [String] {
        store.lock.lock(); defer { store.lock.unlock() }
        return store.factories.keys.sorted()
    }
}
