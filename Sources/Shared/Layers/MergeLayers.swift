// Layers that join branches of a model graph: channel concatenation and sum.
// A graph node with several inputs must be one of these (MergeLayer).

/// A layer reading several tensors.
public protocol MergeLayer: Layer {
    func forward(_ inputs: [Variable], _ ctx: ForwardContext) -> Variable
}

extension MergeLayer {
    public func forward(_ x: Variable, _ ctx: ForwardContext) -> Variable { forward([x], ctx) }
    public var namedParameters: [(name: String, parameter: Parameter)] { [] }
    public func foldedForInference() -> any Layer { self }
}

/// Inputs side by side along the channel (feature) axis. Shapes: [N, C_i, H, W]... → [N, Σ C_i, H, W]; [N, F_i]... → [N, Σ F_i].
public struct Concat: MergeLayer {
    public init() {}
    public func forward(_ inputs: [Variable], _ ctx: ForwardContext) -> Variable {
        inputs.count == 1 ? inputs[0] : Variable.concat(inputs, axis: 1)
    }
}

/// The element-wise sum of inputs of one shape.
public struct Sum: MergeLayer {
    public init() {}
    public func forward(_ inputs: [Variable], _ ctx: ForwardContext) -> Variable {
        inputs.dropFirst().reduce(inputs[0], +)
    }
}
