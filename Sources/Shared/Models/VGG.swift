// VGG-11 and VGG-16 (Simonyan & Zisserman, "Very Deep Convolutional Networks
// for Large-Scale Image Recognition", ICLR 2015), configurations A and D without
// BatchNorm, torchvision names: features.<i>, classifier.0/3, head classifier.6.

enum VGG {
    /// Channel counts, 0 meaning a 2×2 max pool.
    static let configurations: [ModelSpec.Architecture: [Int]] = [
        .vgg11: [64, 0, 128, 0, 256, 256, 0, 512, 512, 0, 512, 512, 0],
        .vgg16: [64, 64, 0, 128, 128, 0, 256, 256, 256, 0, 512, 512, 512, 0, 512, 512, 512, 0],
    ]

    static func backbone(_ spec: ModelSpec, rng: inout SplitMix64) -> (any Layer, Int, String) {
        guard let config = configurations[spec.architecture] else { preconditionFailure("not a VGG: \(spec.architecture)") }
        var features: [any Layer] = []
        var channels = spec.inputChannels
        for v in config {
            if v == 0 { features.append(MaxPool2d(kernelSize: 2)); continue }
            let out = spec.scaled(v)
            features.append(Conv2d(Conv2dConfig(channels, out, kernelSize: 3, padding: 1), rng: &rng).kaimingInitialized(rng: &rng))
            features.append(Activation.relu)
            channels = out
        }
        let hidden = spec.scaled(4096)
        let classifier = Sequential(Linear(channels * 49, hidden, rng: &rng), Activation.relu, Dropout(0.5),
                                    Linear(hidden, hidden, rng: &rng), Activation.relu, Dropout(0.5))
        return (NamedLayers(children: [("features", Sequential(features)), ("avgpool", AdaptivePool2d(.average, outH: 7, outW: 7)),
                                 ("flatten", Flatten()), ("classifier", classifier)]), hidden, "classifier.6")
    }
}
