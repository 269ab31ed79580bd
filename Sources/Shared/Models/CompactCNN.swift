// The compact CNN for small inputs (texture patches, tiles of 16–64 px): per
// stage a 3×3 convolution, BatchNorm, ReLU and 2×2 max pooling (none after the
// last stage), then global average pooling. Names: features.<i>.weight, ...

enum CompactCNN {
    /// Returns the backbone ([N, C, H, W] → [N, last width]), its feature count and the head's name.
    static func backbone(_ spec: ModelSpec, rng: inout SplitMix64) -> (any Layer, Int, String) {
        precondition(!spec.compactWidths.isEmpty, "compact CNN needs at least one stage width")
        var layers: [any Layer] = []
        var channels = spec.inputChannels
        for (i, width) in spec.compactWidths.enumerated() {
            let w = spec.scaled(width)
            layers.append(Conv2d(Conv2dConfig(channels, w, kernelSize: 3, padding: 1, bias: false), rng: &rng).kaimingInitialized(rng: &rng))
            layers.append(BatchNorm2d(w))
            layers.append(Activation.relu)
            if i < spec.compactWidths.count - 1 { layers.append(MaxPool2d(kernelSize: 2)) }
            channels = w
        }
        layers.append(GlobalAvgPool())
        if spec.dropout > 0 { layers.append(Dropout(spec.dropout)) }
        return (NamedLayers(children: [("features", Sequential(layers))]), channels, "fc")
    }
}

/// Children applied in order under explicit names (a module with named attributes, as in PyTorch).
public struct NamedLayers: Layer {
    public var children: [(name: String, layer: any Layer)]
    public init(children: [(name: String, layer: any Layer)]) { self.children = children }
    public func forward(_ x: Variable, _ ctx: ForwardContext) -> Variable { children.reduce(x) { $1.layer($0, ctx) } }
    public var namedParameters: [(name: String, parameter: Parameter)] { children.flatMap { named($0.name, $0.layer) } }
}
