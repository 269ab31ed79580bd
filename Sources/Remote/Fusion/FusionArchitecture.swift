// The two-branch patch CNN of HSI–LiDAR land-cover mapping as a registered graph: an HSI branch
// ([N, B, p, p] → 3×3 convolutions, pooling → features) and a LiDAR branch ([N, L, p, p], narrower),
// concatenated and classified by the centre pixel's class. Single-modality variants keep one
// branch and the same classifier, so fusion gain is measured like for like.

import Foundation
import Shared

public enum FusionArchitecture {
    public static let name = "remote.two-branch-cnn"

    /// Registers the architecture once (idempotent; call before building or loading).
    public static let register: Void = {
        ArchitectureRegistry.register(name) { spec in try graph(spec) }
    }()

    /// Options: kind (fusion|hsi-only|lidar-only), hsi_bands, lidar_bands, width.
    public static func spec(kind: FusionModelKind, hsiBands: Int, lidarBands: Int, width: Int, classes: [String],
                            dropout: Float = 0.2) -> ModelSpec {
        ModelSpec(architecture: ModelSpec.Architecture(name), inputChannels: kind.usesHSI ? hsiBands : lidarBands,
                  heads: [HeadSpec(name: "land_cover", classes: classes)], dropout: dropout,
                  options: ["kind": .string(kind.rawValue), "hsi_bands": .int(hsiBands), "lidar_bands": .int(lidarBands),
                            "width": .int(width)])
    }

    static func branch(_ prefix: String, input: String, width: Int) -> [LayerNode] {
        [.conv2d("\(prefix).0", out: width, kernel: 3, padding: 1, bias: false, inputs: [input]),
         .batchNorm("\(prefix).1"), .plain("\(prefix).2", "relu"),
         .conv2d("\(prefix).3", out: width, kernel: 3, padding: 1, bias: false),
         .batchNorm("\(prefix).4"), .plain("\(prefix).5", "relu"),
         .maxPool("\(prefix).6", kernel: 2, stride: 2),
         .conv2d("\(prefix).7", out: 2 * width, kernel: 3, padding: 1, bias: false),
         .batchNorm("\(prefix).8"), .plain("\(prefix).9", "relu"),
         .plain("\(prefix).10", "global_avgpool")]
    }

    static func graph(_ spec: ModelSpec) throws -> ModelGraph {
        guard let kind = spec.options["kind"]?.stringValue.flatMap(FusionModelKind.init(rawValue:)),
              let hsiBands = spec.options["hsi_bands"]?.intValue, let lidarBands = spec.options["lidar_bands"]?.intValue,
              let width = spec.options["width"]?.intValue, (1...512).contains(width) else {
            throw ReticleError(.corrupt, "\(name): options need kind, hsi_bands, lidar_bands and width 1…512")
        }
        var inputs: [GraphInput] = []
        var nodes: [LayerNode] = []
        var features: [String] = []
        if kind.usesHSI {
            inputs.append(GraphInput("hsi", channels: hsiBands))
            nodes += branch("hsi_branch", input: "hsi", width: width)
            features.append("hsi_branch.10")
        }
        if kind.usesLidar {
            // LiDAR layers are few and simple: half the width suffices.
            inputs.append(GraphInput("lidar", channels: lidarBands))
            nodes += branch("lidar_branch", input: "lidar", width: max(1, width / 2))
            features.append("lidar_branch.10")
        }
        if features.count == 2 {
            nodes.append(.plain("fusion", "concat", inputs: features))
        } else {
            nodes.append(.plain("fusion", "identity", inputs: features))
        }
        nodes += [.linear("classifier.0", out: 4 * width), .plain("classifier.1", "relu"),
                  .dropout("classifier.2", spec.dropout)]
        return ModelGraph(inputs: inputs, nodes: nodes,
                          heads: spec.heads.map { GraphHead($0, input: "classifier.2", parameterName: "heads.\($0.name)") })
    }
}
