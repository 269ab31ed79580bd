// A container whose children carry their PyTorch attribute names.

/// Children applied in order under explicit names (a module with named attributes, as in PyTorch).
public struct NamedLayers: Layer {
    public var children: [(name: String, layer: any Layer)]
    public init(children: [(name: String, layer: any Layer)]) { self.children = children }
    public func forward(_ x: Variable, _ ctx: ForwardContext) -> Variable { children.reduce(x) { $1.layer($0, ctx) } }
    public var namedParameters: [(name: String, parameter: Parameter)] { children.flatMap { named($0.name, $0.layer) } }
    public func foldedForInference() -> any Layer { Sequential(foldedLayerSequence(children.map(\.layer))) }
}
