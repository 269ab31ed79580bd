// Squeeze-and-excitation (Hu et al., 2018): channel weights from global context.
// Names as torchvision's SqueezeExcitation: fc1, fc2 (1×1 convolutions with bias).

/// x · σ(fc2(relu(fc1(avgpool(x))))). Shapes: [N, C, H, W] → same.
public struct SqueezeExcitation: Layer {
    public let fc1: Conv2d
    public let fc2: Conv2d

    public init(channels: Int, squeezeChannels: Int, rng: inout SplitMix64) {
        fc1 = Conv2d(Conv2dConfig(channels, squeezeChannels, kernelSize: 1), rng: &rng)
        fc2 = Conv2d(Conv2dConfig(squeezeChannels, channels, kernelSize: 1), rng: &rng)
    }

    /// Zero weights and biases, to be replaced by a model file's.
    public init(channels: Int, squeezeChannels: Int) {
        func zeros(_ a: Int, _ b: Int) -> Conv2d {
            Conv2d(Conv2dConfig(a, b, kernelSize: 1), weight: Tensor(shape: [b, a, 1, 1]), bias: Tensor(shape: [b]))
        }
        fc1 = zeros(channels, squeezeChannels)
        fc2 = zeros(squeezeChannels, channels)
    }

    public func forward(_ x: Variable, _ ctx: ForwardContext) -> Variable {
        let scale = fc2(fc1(x.adaptiveAvgPool2d(1, 1), ctx).relu(), ctx).sigmoid()
        return x * scale
    }

    public var namedParameters: [(name: String, parameter: Parameter)] { named("fc1", fc1) + named("fc2", fc2) }
    public func foldedForInference() -> any Layer { self }
}
