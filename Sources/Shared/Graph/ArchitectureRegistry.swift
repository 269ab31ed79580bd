// Architectures by name: each turns a ModelSpec into a ModelGraph. Shared registers
// its backbones here; a domain module (or a test) registers its own with `register`
// and never edits Shared. A model file stores the graph itself, so loading a model
// needs the layer kinds it uses, not the recipe that made it.

import Foundation

public enum ArchitectureRegistry {
    public typealias Builder = @Sendable (ModelSpec) throws -> ModelGraph

    private final class Store: @unchecked Sendable {
        let lock = NSLock()
        var builders: [String: Builder] = [
            ModelSpec.Architecture.compactCNN.rawValue: CompactCNN.graph,
            ModelSpec.Architecture.resnet18.rawValue: ResNet.graph,
            ModelSpec.Architecture.resnet34.rawValue: ResNet.graph,
            ModelSpec.Architecture.resnet50.rawValue: ResNet.graph,
            ModelSpec.Architecture.mobilenetV2.rawValue: MobileNetV2.graph,
            ModelSpec.Architecture.vgg11.rawValue: VGG.graph,
            ModelSpec.Architecture.vgg16.rawValue: VGG.graph,
        ]
    }
    private static let store = Store()

    /// Adds (or replaces) an architecture under `name`.
    public static func register(_ name: String, _ builder: @escaping Builder) {
        store.lock.lock(); defer { store.lock.unlock() }
        store.builders[name] = builder
    }

    /// The registered names, sorted.
    public static var names: [String] {
        store.lock.lock(); defer { store.lock.unlock() }
        return store.builders.keys.sorted()
    }

    /// The graph of `spec`'s architecture (the spec validated first).
    public static func graph(for spec: ModelSpec) throws -> ModelGraph {
        try spec.validate()
        store.lock.lock()
        let builder = store.builders[spec.architecture.rawValue]
        store.lock.unlock()
        guard let builder else {
            throw ReticleError(.unsupported, "unknown architecture \"\(spec.architecture)\"; known: \(names.joined(separator: ", "))")
        }
        return try builder(spec)
    }
}
