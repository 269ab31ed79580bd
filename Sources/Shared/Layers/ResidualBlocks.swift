// Residual blocks of ResNet (He et al., 2016), torchvision v1.5 layout
// (stride on the 3×3 convolution) and names: conv1, bn1, ..., downsample.0/.1.

/// The projection shortcut: 1×1 convolution (strided) then BatchNorm, named downsample.0 / downsample.1.
func projectionShortcut(_ inChannels: Int, _ outChannels: Int, stride: Int, rng: inout SplitMix64) -> Sequential {
    Sequential(Conv2d(Conv2dConfig(inChannels, outChannels, kernelSize: 1, stride: stride, bias: false), rng: &rng)
                .kaimingInitialized(rng: &rng),
               BatchNorm2d(outChannels))
}

/// Two 3×3 convolutions with a shortcut (ResNet-18/34). Shapes: [N, C_in, H, W] → [N, C_out, H/stride, W/stride].
public struct BasicBlock: Layer {
    public static let expansion = 1
    public var conv1: Conv2d, bn1: BatchNorm2d, conv2: Conv2d, bn2: BatchNorm2d
    public var downsample: Sequential?

    public init(_ inChannels: Int, _ outChannels: Int, stride: Int = 1, rng: inout SplitMix64) {
        conv1 = Conv2d(Conv2dConfig(inChannels, outChannels, kernelSize: 3, stride: stride, padding: 1, bias: false), rng: &rng)
            .kaimingInitialized(rng: &rng)
        bn1 = BatchNorm2d(outChannels)
        conv2 = Conv2d(Conv2dConfig(outChannels, outChannels, kernelSize: 3, padding: 1, bias: false), rng: &rng)
            .kaimingInitialized(rng: &rng)
        bn2 = BatchNorm2d(outChannels)
        downsample = stride != 1 || inChannels != outChannels
            ? projectionShortcut(inChannels, outChannels, stride: stride, rng: &rng) : nil
    }

    public func forward(_ x: Variable, _ ctx: ForwardContext) -> Variable {
        let out = bn2(conv2(bn1(conv1(x, ctx), ctx).relu(), ctx), ctx)
        return (out + (downsample?(x, ctx) ?? x)).relu()
    }

    public var namedParameters: [(name: String, parameter: Parameter)] {
        named("conv1", conv1) + named("bn1", bn1) + named("conv2", conv2) + named("bn2", bn2)
            + (downsample.map { named("downsample", $0) } ?? [])
    }
}

/// 1×1 reduce, 3×3, 1×1 expand (×4), with a shortcut (ResNet-50).
/// Shapes: [N, C_in, H, W] → [N, 4·width, H/stride, W/stride].
public struct Bottleneck: Layer {
    public static let expansion = 4
    public var conv1: Conv2d, bn1: BatchNorm2d, conv2: Conv2d, bn2: BatchNorm2d, conv3: Conv2d, bn3: BatchNorm2d
    public var downsample: Sequential?

    public init(_ inChannels: Int, width: Int, stride: Int = 1, rng: inout SplitMix64) {
        let out = width * Bottleneck.expansion
        conv1 = Conv2d(Conv2dConfig(inChannels, width, kernelSize: 1, bias: false), rng: &rng).kaimingInitialized(rng: &rng)
        bn1 = BatchNorm2d(width)
        conv2 = Conv2d(Conv2dConfig(width, width, kernelSize: 3, stride: stride, padding: 1, bias: false), rng: &rng)
            .kaimingInitialized(rng: &rng)
        bn2 = BatchNorm2d(width)
        conv3 = Conv2d(Conv2dConfig(width, out, kernelSize: 1, bias: false), rng: &rng).kaimingInitialized(rng: &rng)
        bn3 = BatchNorm2d(out)
        downsample = stride != 1 || inChannels != out ? projectionShortcut(inChannels, out, stride: stride, rng: &rng) : nil
    }

    public func forward(_ x: Variable, _ ctx: ForwardContext) -> Variable {
        var out = bn1(conv1(x, ctx), ctx).relu()
        out = bn2(conv2(out, ctx), ctx).relu()
        out = bn3(conv3(out, ctx), ctx)
        return (out + (downsample?(x, ctx) ?? x)).relu()
    }

    public var namedParameters: [(name: String, parameter: Parameter)] {
        named("conv1", conv1) + named("bn1", bn1) + named("conv2", conv2) + named("bn2", bn2)
            + named("conv3", conv3) + named("bn3", bn3) + (downsample.map { named("downsample", $0) } ?? [])
    }
}
