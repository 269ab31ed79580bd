// The compact CNN for small inputs (texture patches, tiles of 16–64 px): per
// stage a 3×3 convolution (optionally weighted by a density over its window),
// BatchNorm, ReLU and 2×2 max pooling (none after the last stage), then global
// average pooling or spatial pyramid pooling. Names: features.<i>.weight, ...

enum CompactCNN {
    static func graph(_ spec: ModelSpec) throws -> ModelGraph {
        let density = spec.convolutionDensity.map { p in p.flatMap { a in p.map { a * $0 } } }
        var nodes: [LayerNode] = []
        func add(_ make: (String) -> LayerNode) { nodes.append(make("features.\(nodes.count)")) }
        for (i, width) in spec.compactWidths.enumerated() {
            let w = spec.scaled(width)
            add { .conv2d($0, out: w, kernel: 3, padding: 1, bias: false, kaiming: true, density: density) }
            add { .batchNorm($0) }
            add { .plain($0, "relu") }
            if i < spec.compactWidths.count - 1 { add { .maxPool($0, kernel: 2) } }
        }
        if let levels = spec.spatialPyramidLevels {
            add { LayerNode($0, "spp", ["levels": .array(levels.map { .int($0) })]) }
        } else {
            add { .plain($0, "global_avgpool") }
        }
        if spec.dropout > 0 { add { .dropout($0, spec.dropout) } }
        return .singleInput(channels: spec.inputChannels, body: nodes, heads: spec.heads, singleHeadName: "fc")
    }
}
