// ResNet-18/34/50 (He et al., "Deep Residual Learning for Image Recognition",
// CVPR 2016), torchvision v1.5 variant (stride on the 3×3 convolution), with
// torchvision's parameter names: conv1, bn1, layer1.0.conv1, ...,
// layer4.1.downsample.0; the head is `fc`. Blocks are `residual` nodes.

enum ResNet {
    static func graph(_ spec: ModelSpec) throws -> ModelGraph {
        let blocks: [Int]
        switch spec.architecture {
        case .resnet18: blocks = [2, 2, 2, 2]
        case .resnet34, .resnet50: blocks = [3, 4, 6, 3]
        default: throw ReticleError(.usage, "not a ResNet: \(spec.architecture)")
        }
        let bottleneck = spec.architecture == .resnet50
        let base = spec.scaled(64)
        var nodes: [LayerNode] = [
            .conv2d("conv1", out: base, kernel: 7, stride: 2, padding: 3, bias: false, kaiming: true),
            .batchNorm("bn1"), .plain("relu", "relu"), .maxPool("maxpool", kernel: 3, stride: 2, padding: 1),
        ]
        var channels = base
        for (stage, count) in blocks.enumerated() {
            let width = spec.scaled(64 << stage)
            for i in 0..<count {
                let stride = i == 0 && stage > 0 ? 2 : 1
                let name = "layer\(stage + 1).\(i)"
                if bottleneck {
                    nodes.append(bottleneckBlock(name, channels, width: width, stride: stride))
                    channels = width * 4
                } else {
                    nodes.append(basicBlock(name, channels, width, stride: stride))
                    channels = width
                }
            }
        }
        nodes.append(.plain("avgpool", "global_avgpool"))
        if spec.dropout > 0 { nodes.append(.dropout("dropout", spec.dropout)) }
        return .singleInput(channels: spec.inputChannels, body: nodes, heads: spec.heads, singleHeadName: "fc")
    }

    /// The projection shortcut: 1×1 convolution (strided) then BatchNorm, named downsample.0 / downsample.1.
    static func projection(_ out: Int, stride: Int) -> LayerNode {
        .sequential("downsample", [.conv2d("0", out: out, kernel: 1, stride: stride, bias: false, kaiming: true), .batchNorm("1")])
    }

    /// Two 3×3 convolutions with a shortcut (ResNet-18/34).
    static func basicBlock(_ name: String, _ inChannels: Int, _ out: Int, stride: Int) -> LayerNode {
        var body: [LayerNode] = [
            .conv2d("conv1", out: out, kernel: 3, stride: stride, padding: 1, bias: false, kaiming: true), .batchNorm("bn1"), .plain("relu", "relu"),
            .conv2d("conv2", out: out, kernel: 3, padding: 1, bias: false, kaiming: true), .batchNorm("bn2"),
        ]
        let project = stride != 1 || inChannels != out
        if project { body.append(projection(out, stride: stride)) }
        return .residual(name, body, shortcut: project ? "downsample" : nil, activation: "relu")
    }

    /// 1×1 reduce, 3×3, 1×1 expand (×4), with a shortcut (ResNet-50).
    static func bottleneckBlock(_ name: String, _ inChannels: Int, width: Int, stride: Int) -> LayerNode {
        let out = width * 4
        var body: [LayerNode] = [
            .conv2d("conv1", out: width, kernel: 1, bias: false, kaiming: true), .batchNorm("bn1"), .plain("relu1", "relu"),
            .conv2d("conv2", out: width, kernel: 3, stride: stride, padding: 1, bias: false, kaiming: true), .batchNorm("bn2"), .plain("relu2", "relu"),
            .conv2d("conv3", out: out, kernel: 1, bias: false, kaiming: true), .batchNorm("bn3"),
        ]
        let project = stride != 1 || inChannels != out
        if project { body.append(projection(out, stride: stride)) }
        return .residual(name, body, shortcut: project ? "downsample" : nil, activation: "relu")
    }
}
