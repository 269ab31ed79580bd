// MobileNetV2 (Sandler et al., "MobileNetV2: Inverted Residuals and Linear
// Bottlenecks", CVPR 2018), torchvision layout and names: features.0.0.weight,
// features.1.conv.0.0.weight, ..., features.18.1.running_var; head classifier.1.

enum MobileNetV2 {
    /// (expansion t, output channels c, repeats n, first stride s), from the paper's Table 2.
    static let settings: [(t: Int, c: Int, n: Int, s: Int)] = [
        (1, 16, 1, 1), (6, 24, 2, 2), (6, 32, 3, 2), (6, 64, 4, 2), (6, 96, 3, 1), (6, 160, 3, 2), (6, 320, 1, 1),
    ]

    static func graph(_ spec: ModelSpec) throws -> ModelGraph {
        var channels = spec.scaled(32, divisor: 8)
        let last = makeDivisible(1280 * max(1, spec.widthMultiplier), divisor: 8)
        var nodes: [LayerNode] = [convBNActivation("features.0", out: channels, kernel: 3, stride: 2)]
        for s in settings {
            let out = spec.scaled(s.c, divisor: 8)
            for i in 0..<s.n {
                nodes.append(invertedResidual("features.\(nodes.count)", channels, out, stride: i == 0 ? s.s : 1, expandRatio: s.t))
                channels = out
            }
        }
        nodes.append(convBNActivation("features.\(nodes.count)", out: last, kernel: 1))
        nodes.append(.plain("avgpool", "global_avgpool"))
        if spec.dropout > 0 { nodes.append(.dropout("dropout", spec.dropout)) }
        return .singleInput(channels: spec.inputChannels, body: nodes, heads: spec.heads, singleHeadName: "classifier.1")
    }

    /// torchvision's Conv2dNormActivation: conv (no bias), BatchNorm, ReLU6; "same" padding. Names .0, .1, .2.
    static func convBNActivation(_ name: String, out: Int, kernel: Int, stride: Int = 1, groups: Int = 1) -> LayerNode {
        .sequential(name, [.conv2d("0", out: out, kernel: kernel, stride: stride, padding: (kernel - 1) / 2, groups: groups, bias: false, kaiming: true),
                           .batchNorm("1"), .plain("2", "relu6")])
    }

    /// Expand (1×1) → depthwise 3×3 → project (1×1, linear), with a shortcut when shapes allow.
    /// Names: conv.0.0/conv.0.1 (expand conv/BN, absent when t = 1), then the depthwise pair, the projection conv and BN.
    static func invertedResidual(_ name: String, _ inChannels: Int, _ out: Int, stride: Int, expandRatio: Int) -> LayerNode {
        let hidden = inChannels * expandRatio
        var layers: [LayerNode] = []
        if expandRatio != 1 { layers.append(convBNActivation("0", out: hidden, kernel: 1)) }
        layers.append(convBNActivation("\(layers.count)", out: hidden, kernel: 3, stride: stride, groups: hidden))
        layers.append(.conv2d("\(layers.count)", out: out, kernel: 1, bias: false, kaiming: true))
        layers.append(.batchNorm("\(layers.count)"))
        let conv = LayerNode.sequential("conv", layers)
        return stride == 1 && inChannels == out ? .residual(name, [conv]) : .sequential(name, [conv])
    }
}
