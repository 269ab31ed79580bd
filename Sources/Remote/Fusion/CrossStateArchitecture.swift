// A cross-state fusion patch model in the manner of CSFMamba: each modality's patch features are
// scanned by a selective state-space model (Shared `selective_scan`, four scan orders) whose step
// sizes and input/output projections (Δ, B, C) are computed from the *other* modality, so each
// scan's memory is steered by the other sensor; a residual adds the scan to its input. The
// single-modality variants compute Δ, B, C from their own features (a plain selective scan), so
// the gain of the exchange is measured like for like.
//
// Simplified for CPUs against the paper: one 3×3 stem per modality instead of the paper's embedding,
// no gated branch (y ⊙ SiLU(z)) and no depthwise convolution before the scan, BatchNorm after each
// residual, global average pooling and concatenation instead of the paper's fusion head.

import Foundation
import Shared

public enum CrossStateArchitecture {
    public static let name = "remote.cross-state"

    public static let register: Void = {
        ArchitectureRegistry.register(name) { spec in try graph(spec) }
    }()

    /// Options: kind, hsi_bands, lidar_bands, width (channels per modality), state (S), blocks.
    public static func spec(kind: FusionModelKind, hsiBands: Int, lidarBands: Int, width: Int, state: Int, blocks: Int = 2,
                            classes: [String], dropout: Float = 0.2) -> ModelSpec {
        ModelSpec(architecture: ModelSpec.Architecture(name), inputChannels: kind.usesHSI ? hsiBands : lidarBands,
                  heads: [HeadSpec(name: "land_cover", classes: classes)], dropout: dropout,
                  options: ["kind": .string(kind.rawValue), "hsi_bands": .int(hsiBands), "lidar_bands": .int(lidarBands),
                            "width": .int(width), "state": .int(state), "blocks": .int(blocks)])
    }

    static func graph(_ spec: ModelSpec) throws -> ModelGraph {
        guard let kind = spec.options["kind"]?.stringValue.flatMap(FusionModelKind.init(rawValue:)),
              let hsiBands = spec.options["hsi_bands"]?.intValue, let lidarBands = spec.options["lidar_bands"]?.intValue,
              let width = spec.options["width"]?.intValue, (1...512).contains(width),
              let state = spec.options["state"]?.intValue, (1...64).contains(state),
              let blocks = spec.options["blocks"]?.intValue, (1...8).contains(blocks) else {
            throw ReticleError(.corrupt, "\(name): options need kind, hsi_bands, lidar_bands, width 1…512, state 1…64 and blocks 1…8")
        }
        var inputs: [GraphInput] = []
        var nodes: [LayerNode] = []
        // The current feature map of each modality present, by name.
        var current: [String: String] = [:]
        let modalities = (kind.usesHSI ? ["hsi"] : []) + (kind.usesLidar ? ["lidar"] : [])
        for m in modalities {
            inputs.append(GraphInput(m, channels: m == "hsi" ? hsiBands : lidarBands))
            nodes += [.conv2d("\(m)_stem.0", out: width, kernel: 3, padding: 1, bias: false, inputs: [m]),
                      .batchNorm("\(m)_stem.1"), .plain("\(m)_stem.2", "relu")]
            current[m] = "\(m)_stem.2"
        }
        for b in 0..<blocks {
            var next: [String: String] = [:]
            for m in modalities {
                // The other modality steers this one's scan; alone, a modality steers itself.
                let source = current[modalities.first { $0 != m } ?? m]!
                let p = "cross\(b).\(m)"
                nodes += [.conv2d("\(p).dt", out: width, kernel: 1, inputs: [source]),
                          .conv2d("\(p).b", out: state, kernel: 1, bias: false, inputs: [source]),
                          .conv2d("\(p).c", out: state, kernel: 1, bias: false, inputs: [source]),
                          LayerNode("\(p).scan", "selective_scan", inputs: [current[m]!, "\(p).dt", "\(p).b", "\(p).c"]),
                          .plain("\(p).residual", "add", inputs: [current[m]!, "\(p).scan"]),
                          .batchNorm("\(p).norm")]
                next[m] = "\(p).norm"
            }
            current = next
        }
        var features: [String] = []
        for m in modalities {
            nodes.append(.plain("\(m)_pool", "global_avgpool", inputs: [current[m]!]))
            features.append("\(m)_pool")
        }
        nodes.append(.plain("fusion", features.count == 2 ? "concat" : "identity", inputs: features))
        nodes += [.linear("classifier.0", out: 2 * width), .plain("classifier.1", "relu"), .dropout("classifier.2", spec.dropout)]
        return ModelGraph(inputs: inputs, nodes: nodes,
                          heads: spec.heads.map { GraphHead($0, input: "classifier.2", parameterName: "heads.\($0.name)") })
    }
}
