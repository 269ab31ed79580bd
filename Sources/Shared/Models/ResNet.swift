// ResNet-18/34/50 (He et al., "Deep Residual Learning for Image Recognition",
// CVPR 2016), torchvision v1.5 variant, with torchvision's parameter names:
// conv1, bn1, layer1.0.conv1, ..., layer4.1.downsample.0; the head is `fc`.

enum ResNet {
    static func backbone(_ spec: ModelSpec, rng: inout SplitMix64) -> (any Layer, Int, String) {
        let blocks: [Int]
        switch spec.architecture {
        case .resnet18: blocks = [2, 2, 2, 2]
        case .resnet34, .resnet50: blocks = [3, 4, 6, 3]
        default: preconditionFailure("not a ResNet: \(spec.architecture)")
        }
        let bottleneck = spec.architecture == .resnet50
        let base = spec.scaled(64)
        var children: [(name: String, layer: any Layer)] = [
            ("conv1", Conv2d(Conv2dConfig(spec.inputChannels, base, kernelSize: 7, stride: 2, padding: 3, bias: false), rng: &rng)
                .kaimingInitialized(rng: &rng)),
            ("bn1", BatchNorm2d(base)),
            ("relu", Activation.relu),
            ("maxpool", MaxPool2d(kernelSize: 3, stride: 2, padding: 1)),
        ]
        var channels = base
        for (stage, count) in blocks.enumerated() {
            let width = spec.scaled(64 << stage)
            var layer: [any Layer] = []
            for i in 0..<count {
                let stride = i == 0 && stage > 0 ? 2 : 1
                if bottleneck {
                    layer.append(Bottleneck(channels, width: width, stride: stride, rng: &rng))
                    channels = width * Bottleneck.expansion
                } else {
                    layer.append(BasicBlock(channels, width, stride: stride, rng: &rng))
                    channels = width
                }
            }
            children.append(("layer\(stage + 1)", Sequential(layer)))
        }
        children.append(("avgpool", GlobalAvgPool()))
        if spec.dropout > 0 { children.append(("dropout", Dropout(spec.dropout))) }
        return (NamedLayers(children: children), channels, "fc")
    }
}
