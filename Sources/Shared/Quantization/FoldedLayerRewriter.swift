// Walks a folded network's layer tree (Network.folded()) giving every layer a
// stable path ("3.body.1", "5.last", "5.shortcut.0") and replacing its
// ungrouped convolutions and its other leaves: what calibration (observing),
// quantisation (replacing by int8) and loading a quantised file (the same paths
// name the file's tensors) all do, the same way. Fused inverted residuals
// (FusedInvertedResidual) are walked as the convolutions they were fused from.

struct FoldedLayerRewriter {
    /// An ungrouped convolution at `path` → what replaces it (also in a residual block's epilogue position).
    var convolution: (Conv2d, String) throws -> any ResidualConvolution
    /// Any other leaf (pooling, depthwise or grouped convolutions, normalisations) at `path` → what replaces it.
    var leaf: (any Layer, String) throws -> any Layer

    func rewrite(_ network: Network) throws -> Network {
        try network.replacingLayers(network.layers.enumerated().map { try rewrite($0.element, path: "q.\($0.offset)") })
    }

    func rewrite(_ layer: any Layer, path: String) throws -> any Layer {
        switch layer {
        case let s as Sequential:
            // A fused inverted residual without a shortcut stands in the run for its convolutions, under their paths.
            let items = s.layers.flatMap { layer -> [any Layer] in
                guard let f = layer as? FusedInvertedResidual, !f.addsInput else { return [layer] }
                return f.convolutions
            }
            return Sequential(try items.enumerated().map { try rewrite($0.element, path: "\(path).\($0.offset)") })
        case let f as FusedInvertedResidual:
            return try rewrite(f.unfused, path: path)
        case let n as NamedLayers:
            return NamedLayers(children: try n.children.enumerated().map { ($0.element.name, try rewrite($0.element.layer, path: "\(path).\($0.offset)")) })
        case let f as FusedResidualBlock:
            return try block(body: f.body, last: f.last, shortcut: f.shortcut, path: path)
        case let r as Residual:
            let body = try r.body.children.enumerated().map { ($0.element.name, try rewrite($0.element.layer, path: "\(path).body.\($0.offset)")) }
            return Residual(body: NamedLayers(children: body),
                            shortcut: try r.shortcut.map { ($0.name, try rewrite($0.layer, path: "\(path).shortcut")) }, activation: r.activation)
        case let c as Conv2d where c.config.groups == 1:
            return try convolution(c, path)
        default:
            return try leaf(layer, path)
        }
    }

    private func block(body: [any Layer], last: any ResidualConvolution, shortcut: (any Layer)?, path: String) throws -> any Layer {
        FusedResidualBlock(body: try body.enumerated().map { try rewrite($0.element, path: "\(path).body.\($0.offset)") },
                           last: try (last as? Conv2d).map { try convolution($0, "\(path).last") } ?? last,
                           shortcut: try shortcut.map { try rewrite($0, path: "\(path).shortcut") })
    }
}
