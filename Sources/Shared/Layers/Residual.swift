// A residual block as data: a body of named layers, an optional shortcut branch
// (identity when absent) and an activation after the sum. ResNet's basic and
// bottleneck blocks and MobileNetV2's inverted residual are all this one type, with
// their torchvision names kept by the children (conv1, bn1, ..., downsample.0).

/// act(body(x) + shortcut(x)). Shapes: [N, C_in, H, W] → the body's output shape.
public struct Residual: Layer {
    public let body: NamedLayers
    /// The projection branch and its name ("downsample"); nil adds the input itself.
    public let shortcut: (name: String, layer: any Layer)?
    public let activation: Activation

    public init(body: NamedLayers, shortcut: (name: String, layer: any Layer)?, activation: Activation = .identity) {
        self.body = body; self.shortcut = shortcut; self.activation = activation
    }

    public func forward(_ x: Variable, _ ctx: ForwardContext) -> Variable {
        let sum = body(x, ctx) + (shortcut.map { $0.layer(x, ctx) } ?? x)
        return activation(sum, ctx)
    }

    public var namedParameters: [(name: String, parameter: Parameter)] {
        body.namedParameters + (shortcut.map { named($0.name, $0.layer) } ?? [])
    }

    /// The body folded (BatchNorm into convolutions), its last convolution adding the shortcut and applying the
    /// activation in its epilogue, when the body ends in a convolution and the activation has an epilogue form; an
    /// inverted residual (MobileNetV2) adding its input becomes one `FusedInvertedResidual`.
    public func foldedForInference() -> any Layer {
        let flat = foldedLayerSequence(body.children.map(\.layer), fusingBlocks: false)
        let folded = Residual(body: NamedLayers(children: flat.map { ("", $0) }),
                              shortcut: shortcut.map { ($0.name, $0.layer.foldedForInference()) }, activation: activation)
        guard var last = flat.last as? Conv2d, last.fusedActivation == .none, let fused = activation.fused else { return folded }
        last.fusedActivation = fused
        if shortcut == nil, let block = FusedInvertedResidual(Array(flat.dropLast()) + [last], addsInput: true) { return block }
        return FusedResidualBlock(body: Array(flat.dropLast()), last: last, shortcut: folded.shortcut?.layer)
    }
}
