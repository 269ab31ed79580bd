// The layer kinds every Reticle knows, as LayerRegistry factories. Each checks its
// attributes and input rank, reserves its parameters against the budget, then builds.
// Attribute names follow PyTorch's constructor arguments where there is one.

enum BuiltinLayers {
    static let factories: [String: LayerFactory] = {
        var f: [String: LayerFactory] = [
            "conv2d": conv2d, "batchnorm2d": batchNorm2d, "linear": linear,
            "maxpool2d": { n, i, _ in try windowPool(n, i, max: true) },
            "avgpool2d": { n, i, _ in try windowPool(n, i, max: false) },
            "adaptive_avgpool2d": { n, i, _ in try adaptivePool(n, i, .average) },
            "adaptive_maxpool2d": { n, i, _ in try adaptivePool(n, i, .max) },
            "global_avgpool": { n, i, _ in BuiltLayer(GlobalAvgPool(), .vector(try image(n, i).channels)) },
            "spp": spatialPyramid, "flatten": flatten, "dropout": dropout,
            "group_norm": groupNorm, "layer_norm": layerNorm, "upsample": upsample,
            "squeeze_excitation": squeezeExcitation,
            "concat": concat, "add": add,
            "sequential": { n, i, c in let (s, out) = try c.buildSequence(n.children, input: try one(n, i)); return BuiltLayer(s, out) },
            "residual": residual,
            "texture_features": TextureFeatures.factory, "feature_standardization": FeatureStandardization.factory,
            "selective_scan": selectiveScan, "pixel_rows": pixelRows,
        ]
        for (name, a) in activations {
            f[name] = { n, i, _ in BuiltLayer(a, try one(n, i)) }
        }
        f["leaky_relu"] = { n, i, _ in
            BuiltLayer(Activation.leakyRelu(slope: Float(try n.number("negative_slope", 0.01, in: 0...1))), try one(n, i))
        }
        return f
    }()

    static let activations: [(String, Activation)] = [
        ("relu", .relu), ("relu6", .relu6), ("gelu", .gelu), ("silu", .silu), ("sigmoid", .sigmoid),
        ("tanh", .tanh), ("softmax", .softmax), ("identity", .identity),
    ]

    /// The activation an attribute names ("relu", "identity", ...).
    static func activation(_ node: LayerNode, _ key: String, _ fallback: String) throws -> Activation {
        let name = try node.string(key, fallback)
        guard let a = activations.first(where: { $0.0 == name })?.1 else {
            throw node.invalid("\"\(key)\" must be one of \(activations.map(\.0).joined(separator: ", ")), got \"\(name)\"")
        }
        return a
    }

    static func one(_ node: LayerNode, _ inputs: [FeatureShape]) throws -> FeatureShape {
        guard inputs.count == 1 else { throw node.invalid("takes one input, got \(inputs.count)") }
        return inputs[0]
    }

    static func image(_ node: LayerNode, _ inputs: [FeatureShape]) throws -> FeatureShape {
        let s = try one(node, inputs)
        guard s.rank == 4 else { throw node.invalid("needs an image-like input [N, C, H, W], got a feature vector") }
        return s
    }

    static func conv2d(_ node: LayerNode, _ inputs: [FeatureShape], _ ctx: LayerBuildContext) throws -> BuiltLayer {
        let c = try image(node, inputs).channels
        let out = try node.int("out_channels", in: 1...65_536)
        let k = try node.int("kernel_size", in: 1...31)
        let groups = try node.int("groups", 1, in: 1...65_536)
        guard c % groups == 0, out % groups == 0 else { throw node.invalid("groups \(groups) must divide \(c) input and \(out) output channels") }
        let config = Conv2dConfig(c, out, kernelSize: k, stride: try node.int("stride", 1, in: 1...64),
                                  padding: try node.int("padding", 0, in: 0...64), dilation: try node.int("dilation", 1, in: 1...64),
                                  groups: groups, bias: try node.bool("bias", true))
        try ctx.reserve(config.weightShape.reduce(1, *) + (config.bias ? out : 0), for: node)
        var conv = ctx.drawsWeights ? Conv2d(config, rng: &ctx.rng)
            : Conv2d(config, weight: Tensor(shape: config.weightShape), bias: config.bias ? Tensor(shape: [out]) : nil)
        switch try node.string("init", "default") {
        case "default": break
        case "kaiming": if ctx.drawsWeights { conv = conv.kaimingInitialized(rng: &ctx.rng) }
        case let other: throw node.invalid("\"init\" must be default or kaiming, got \"\(other)\"")
        }
        guard let density = try node.numbers("density", maxCount: k * k, in: 0...1e3) else { return BuiltLayer(conv, .image(out)) }
        guard density.count == k * k else { throw node.invalid("\"density\" needs \(k * k) values (the \(k)×\(k) window), got \(density.count)") }
        return BuiltLayer(WeightedConv2d(conv, mask: Tensor(shape: [k, k], scalars: density.map(Float.init))), .image(out))
    }

    static func batchNorm2d(_ node: LayerNode, _ inputs: [FeatureShape], _ ctx: LayerBuildContext) throws -> BuiltLayer {
        let s = try one(node, inputs)
        try ctx.reserve(4 * s.channels, for: node)
        return BuiltLayer(BatchNorm2d(s.channels, momentum: Float(try node.number("momentum", 0.1, in: 0...1)),
                                      epsilon: Float(try node.number("eps", 1e-5, in: 1e-12...1))), s)
    }

    static func linear(_ node: LayerNode, _ inputs: [FeatureShape], _ ctx: LayerBuildContext) throws -> BuiltLayer {
        let s = try one(node, inputs)
        guard s.rank == 2 else { throw node.invalid("needs a feature vector [N, F]; flatten or pool first") }
        let out = try node.int("out_features", in: 1...1 << 20)
        let bias = try node.bool("bias", true)
        try ctx.reserve(out * s.channels + (bias ? out : 0), for: node)
        let linear = ctx.drawsWeights ? Linear(s.channels, out, bias: bias, rng: &ctx.rng)
            : Linear(weight: Tensor(shape: [out, s.channels]), bias: bias ? Tensor(shape: [out]) : nil)
        return BuiltLayer(linear, .vector(out))
    }

    static func windowPool(_ node: LayerNode, _ inputs: [FeatureShape], max: Bool) throws -> BuiltLayer {
        let s = try image(node, inputs)
        let k = try node.int("kernel_size", in: 1...64)
        let stride = try node.int("stride", k, in: 1...64)
        let padding = try node.int("padding", 0, in: 0...(k / 2))
        let layer: any Layer = max ? MaxPool2d(kernelSize: k, stride: stride, padding: padding) : AvgPool2d(kernelSize: k, stride: stride, padding: padding)
        return BuiltLayer(layer, .image(s.channels))
    }

    static func adaptivePool(_ node: LayerNode, _ inputs: [FeatureShape], _ kind: AdaptivePool2d.Kind) throws -> BuiltLayer {
        let s = try image(node, inputs)
        let h = try node.int("output_height", in: 1...1024), w = try node.int("output_width", in: 1...1024)
        return BuiltLayer(AdaptivePool2d(kind, outH: h, outW: w), .image(s.channels, spatial: [h, w]))
    }

    static func spatialPyramid(_ node: LayerNode, _ inputs: [FeatureShape], _ ctx: LayerBuildContext) throws -> BuiltLayer {
        let s = try image(node, inputs)
        let levels = try (node.numbers("levels", maxCount: 8, in: 1...64) ?? [1, 2, 4]).map { Int($0) }
        guard !levels.isEmpty else { throw node.invalid("needs at least one pyramid level") }
        let spp = SpatialPyramidPool(levels: levels)
        return BuiltLayer(spp, .vector(spp.outputFeatures(channels: s.channels)))
    }

    static func flatten(_ node: LayerNode, _ inputs: [FeatureShape], _ ctx: LayerBuildContext) throws -> BuiltLayer {
        let s = try one(node, inputs)
        if s.rank == 2 { return BuiltLayer(Flatten(), s) }
        guard let hw = s.spatial else { throw node.invalid("flattens a map of open size; put an adaptive pool before it") }
        return BuiltLayer(Flatten(), .vector(s.channels * hw[0] * hw[1]))
    }

    static func dropout(_ node: LayerNode, _ inputs: [FeatureShape], _ ctx: LayerBuildContext) throws -> BuiltLayer {
        let p = try node.number("p", 0.5, in: 0...0.999)
        return BuiltLayer(Dropout(Float(p)), try one(node, inputs))
    }

    static func groupNorm(_ node: LayerNode, _ inputs: [FeatureShape], _ ctx: LayerBuildContext) throws -> BuiltLayer {
        let s = try image(node, inputs)
        let groups = try node.int("num_groups", in: 1...65_536)
        guard s.channels % groups == 0 else { throw node.invalid("\(groups) groups do not divide \(s.channels) channels") }
        try ctx.reserve(2 * s.channels, for: node)
        return BuiltLayer(GroupNorm(groups: groups, channels: s.channels, epsilon: Float(try node.number("eps", 1e-5, in: 1e-12...1))), s)
    }

    static func layerNorm(_ node: LayerNode, _ inputs: [FeatureShape], _ ctx: LayerBuildContext) throws -> BuiltLayer {
        let s = try one(node, inputs)
        guard s.rank == 2 else { throw node.invalid("normalises feature vectors [N, F]") }
        try ctx.reserve(2 * s.channels, for: node)
        return BuiltLayer(LayerNorm([s.channels], epsilon: Float(try node.number("eps", 1e-5, in: 1e-12...1))), s)
    }

    static func upsample(_ node: LayerNode, _ inputs: [FeatureShape], _ ctx: LayerBuildContext) throws -> BuiltLayer {
        let s = try image(node, inputs)
        let mode: Resampling.Mode
        switch try node.string("mode", "nearest") {
        case "nearest": mode = .nearest
        case "bilinear": mode = .bilinear
        case let other: throw node.invalid("\"mode\" must be nearest or bilinear, got \"\(other)\"")
        }
        if node.attributes["scale_factor"] != nil {
            let f = try node.int("scale_factor", in: 1...64)
            return BuiltLayer(Upsample(scale: f, mode: mode), .image(s.channels, spatial: s.spatial.map { $0.map { $0 * f } }))
        }
        let h = try node.int("height", in: 1...65_536), w = try node.int("width", in: 1...65_536)
        return BuiltLayer(Upsample(size: (h, w), mode: mode), .image(s.channels, spatial: [h, w]))
    }

    static func squeezeExcitation(_ node: LayerNode, _ inputs: [FeatureShape], _ ctx: LayerBuildContext) throws -> BuiltLayer {
        let s = try image(node, inputs)
        let squeeze = try node.int("squeeze_channels", in: 1...65_536)
        try ctx.reserve(2 * s.channels * squeeze + s.channels + squeeze, for: node)
        let se = ctx.drawsWeights ? SqueezeExcitation(channels: s.channels, squeezeChannels: squeeze, rng: &ctx.rng)
            : SqueezeExcitation(channels: s.channels, squeezeChannels: squeeze)
        return BuiltLayer(se, s)
    }

    static func concat(_ node: LayerNode, _ inputs: [FeatureShape], _ ctx: LayerBuildContext) throws -> BuiltLayer {
        guard let first = inputs.first, inputs.allSatisfy({ $0.rank == first.rank }) else {
            throw node.invalid("joins inputs of one rank (all images or all vectors)")
        }
        return BuiltLayer(Concat(), FeatureShape(rank: first.rank, channels: inputs.reduce(0) { $0 + $1.channels },
                                                 spatial: inputs.allSatisfy { $0.spatial == first.spatial } ? first.spatial : nil))
    }

    static func add(_ node: LayerNode, _ inputs: [FeatureShape], _ ctx: LayerBuildContext) throws -> BuiltLayer {
        guard let first = inputs.first, inputs.allSatisfy({ $0.rank == first.rank && $0.channels == first.channels }) else {
            throw node.invalid("adds inputs of one shape, got \(inputs.map { "\($0.channels) channels" }.joined(separator: " and "))")
        }
        return BuiltLayer(Sum(), first)
    }

    /// Children form the body, except the one the "shortcut" attribute names (the projection branch).
    static func residual(_ node: LayerNode, _ inputs: [FeatureShape], _ ctx: LayerBuildContext) throws -> BuiltLayer {
        let s = try one(node, inputs)
        let shortcutName = node.attributes["shortcut"] == nil ? nil : try node.string("shortcut")
        let (body, out) = try ctx.buildSequence(node.children.filter { $0.name != shortcutName }, input: s)
        var shortcut: (name: String, layer: any Layer)?
        if let shortcutName {
            guard let child = node.children.first(where: { $0.name == shortcutName }) else { throw node.invalid("has no child \"\(shortcutName)\" for its shortcut") }
            let b = try ctx.build(child, inputs: [s])
            guard b.output.channels == out.channels else { throw node.invalid("shortcut gives \(b.output.channels) channels, the body \(out.channels)") }
            shortcut = (shortcutName, b.layer)
        } else if s.channels != out.channels || s.rank != out.rank {
            throw node.invalid("the body changes \(s.channels) channels to \(out.channels); it needs a shortcut projection")
        }
        return BuiltLayer(Residual(body: body, shortcut: shortcut, activation: try activation(node, "activation", "identity")), out)
    }

    /// Inputs x, dt (both D channels), b and c (S channels each), all on one grid; "orders" lists the scan orders.
    static func selectiveScan(_ node: LayerNode, _ inputs: [FeatureShape], _ ctx: LayerBuildContext) throws -> BuiltLayer {
        guard inputs.count == 4, inputs.allSatisfy({ $0.rank == 4 }) else {
            throw node.invalid("reads four feature maps (x, dt, b, c), got \(inputs.count)")
        }
        let (d, s) = (inputs[0].channels, inputs[2].channels)
        guard inputs[1].channels == d, inputs[3].channels == s else {
            throw node.invalid("dt must have x's \(d) channels and c b's \(s), got \(inputs[1].channels) and \(inputs[3].channels)")
        }
        guard s <= 256 else { throw node.invalid("a state of \(s) exceeds 256") }
        let orders: [ScanOrder]
        if node.attributes["orders"] == nil {
            orders = ScanOrder.allCases
        } else {
            guard let list = node.attributes["orders"]?.arrayValue, !list.isEmpty, list.count <= 8 else {
                throw node.invalid("\"orders\" must list 1 to 8 of \(ScanOrder.allCases.map(\.rawValue).joined(separator: ", "))")
            }
            orders = try list.map {
                guard let o = $0.stringValue.flatMap(ScanOrder.init(rawValue:)) else { throw node.invalid("unknown scan order \($0.serialized())") }
                return o
            }
        }
        try ctx.reserve(d * s + d, for: node)
        return BuiltLayer(SelectiveScan(channels: d, state: s, orders: orders), inputs[0])
    }

    static func pixelRows(_ node: LayerNode, _ inputs: [FeatureShape], _ ctx: LayerBuildContext) throws -> BuiltLayer {
        BuiltLayer(PixelRows(), .vector(try image(node, inputs).channels))
    }
}
