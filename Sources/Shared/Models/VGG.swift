// VGG-11 and VGG-16 (Simonyan & Zisserman, "Very Deep Convolutional Networks
// for Large-Scale Image Recognition", ICLR 2015), configurations A and D without
// BatchNorm, torchvision names: features.<i>, classifier.0/3, head classifier.6.

enum VGG {
    /// Channel counts, 0 meaning a 2×2 max pool.
    static let configurations: [ModelSpec.Architecture: [Int]] = [
        .vgg11: [64, 0, 128, 0, 256, 256, 0, 512, 512, 0, 512, 512, 0],
        .vgg16: [64, 64, 0, 128, 128, 0, 256, 256, 256, 0, 512, 512, 512, 0, 512, 512, 512, 0],
    ]

    static func graph(_ spec: ModelSpec) throws -> ModelGraph {
        guard let config = configurations[spec.architecture] else { throw ReticleError(.usage, "not a VGG: \(spec.architecture)") }
        var nodes: [LayerNode] = []
        func feature(_ make: (String) -> LayerNode) { nodes.append(make("features.\(nodes.count)")) }
        for v in config {
            if v == 0 { feature { .maxPool($0, kernel: 2) }; continue }
            feature { .conv2d($0, out: spec.scaled(v), kernel: 3, padding: 1, kaiming: true) }
            feature { .plain($0, "relu") }
        }
        let hidden = spec.scaled(4096)
        nodes += [
            LayerNode("avgpool", "adaptive_avgpool2d", ["output_height": 7, "output_width": 7]), .plain("flatten", "flatten"),
            .linear("classifier.0", out: hidden), .plain("classifier.1", "relu"), .dropout("classifier.2", 0.5),
            .linear("classifier.3", out: hidden), .plain("classifier.4", "relu"), .dropout("classifier.5", 0.5),
        ]
        return .singleInput(channels: spec.inputChannels, body: nodes, heads: spec.heads, singleHeadName: "classifier.6")
    }
}
