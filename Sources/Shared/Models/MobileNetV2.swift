// MobileNetV2 (Sandler et al., "MobileNetV2: Inverted Residuals and Linear
// Bottlenecks", CVPR 2018), torchvision layout and names: features.0.0.weight,
// features.1.conv.0.0.weight, ..., features.18.1.running_var; head classifier.1.

/// Expand (1×1) → depthwise 3×3 → project (1×1, linear), with a shortcut when shapes allow.
/// Names: conv.0.0/conv.0.1 (expand conv/BN, absent when t = 1), then the depthwise pair, the projection conv and BN.
/// Shapes: [N, C_in, H, W] → [N, C_out, H/stride, W/stride].
public struct InvertedResidual: Layer {
    public let conv: Sequential
    public let useResidual: Bool

    public init(_ inChannels: Int, _ outChannels: Int, stride: Int, expandRatio: Int, rng: inout SplitMix64) {
        precondition(stride == 1 || stride == 2, "InvertedResidual stride must be 1 or 2")
        let hidden = inChannels * expandRatio
        var layers: [any Layer] = []
        if expandRatio != 1 {
            layers.append(convBNActivation(inChannels, hidden, kernel: 1, rng: &rng))
        }
        layers.append(convBNActivation(hidden, hidden, kernel: 3, stride: stride, groups: hidden, rng: &rng))
        layers.append(Conv2d(Conv2dConfig(hidden, outChannels, kernelSize: 1, bias: false), rng: &rng).kaimingInitialized(rng: &rng))
        layers.append(BatchNorm2d(outChannels))
        conv = Sequential(layers)
        useResidual = stride == 1 && inChannels == outChannels
    }

    public func forward(_ x: Variable, _ ctx: ForwardContext) -> Variable {
        useResidual ? x + conv(x, ctx) : conv(x, ctx)
    }

    public var namedParameters: [(name: String, parameter: Parameter)] { named("conv", conv) }
}

/// torchvision's Conv2dNormActivation: conv (no bias), BatchNorm, ReLU6; "same" padding.
func convBNActivation(_ inChannels: Int, _ outChannels: Int, kernel: Int, stride: Int = 1, groups: Int = 1,
                      activation: Activation = .relu6, rng: inout SplitMix64) -> Sequential {
    Sequential(Conv2d(Conv2dConfig(inChannels, outChannels, kernelSize: kernel, stride: stride, padding: (kernel - 1) / 2,
                                   groups: groups, bias: false), rng: &rng).kaimingInitialized(rng: &rng),
               BatchNorm2d(outChannels), activation)
}

enum MobileNetV2 {
    /// (expansion t, output channels c, repeats n, first stride s), from the paper's Table 2.
    static let settings: [(t: Int, c: Int, n: Int, s: Int)] = [
        (1, 16, 1, 1), (6, 24, 2, 2), (6, 32, 3, 2), (6, 64, 4, 2), (6, 96, 3, 1), (6, 160, 3, 2), (6, 320, 1, 1),
    ]

    static func backbone(_ spec: ModelSpec, rng: inout SplitMix64) -> (any Layer, Int, String) {
        var channels = spec.scaled(32, divisor: 8)
        let last = makeDivisible(1280 * max(1, spec.widthMultiplier), divisor: 8)
        var features: [any Layer] = [convBNActivation(spec.inputChannels, channels, kernel: 3, stride: 2, rng: &rng)]
        for s in settings {
            let out = spec.scaled(s.c, divisor: 8)
            for i in 0..<s.n {
                features.append(InvertedResidual(channels, out, stride: i == 0 ? s.s : 1, expandRatio: s.t, rng: &rng))
                channels = out
            }
        }
        features.append(convBNActivation(channels, last, kernel: 1, rng: &rng))
        var children: [(name: String, layer: any Layer)] = [("features", Sequential(features)), ("avgpool", GlobalAvgPool())]
        if spec.dropout > 0 { children.append(("dropout", Dropout(spec.dropout))) }
        return (NamedLayers(children: children), last, "classifier.1")
    }
}
