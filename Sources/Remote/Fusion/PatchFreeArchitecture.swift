// A patch-free land-cover model in the manner of FreeNet: a fully convolutional encoder–decoder
// that sees the whole scene at once (no patches) and classifies every pixel through a linear
// head on per-pixel features. Each modality enters through a 1×1 spectral stem; the encoder
// halves the grid twice, the decoder upsamples and adds the encoder's maps (lateral skips).
// GroupNorm, not BatchNorm: a training batch is one scene.
//
// Against the paper: two downsampling stages instead of four, no spectral attention in the
// encoder, nearest upsampling with 1×1 reductions; sampling and loss follow it (PatchFreeTrainer).

import Foundation
import Shared

public enum PatchFreeArchitecture {
    public static let name = "remote.patch-free"
    /// The grid is padded to a multiple of this (two halvings).
    public static let gridMultiple = 4

    public static let register: Void = {
        ArchitectureRegistry.register(name) { spec in try graph(spec) }
    }()

    /// Options: kind, hsi_bands, lidar_bands, width (a multiple of 4).
    public static func spec(kind: FusionModelKind, hsiBands: Int, lidarBands: Int, width: Int, classes: [String],
                            dropout: Float = 0.1) -> ModelSpec {
        ModelSpec(architecture: ModelSpec.Architecture(name), inputChannels: kind.usesHSI ? hsiBands : lidarBands,
                  heads: [HeadSpec(name: "land_cover", classes: classes)], dropout: dropout,
                  options: ["kind": .string(kind.rawValue), "hsi_bands": .int(hsiBands), "lidar_bands": .int(lidarBands),
                            "width": .int(width)])
    }

    static func conv(_ name: String, out: Int, stride: Int = 1, inputs: [String] = []) -> [LayerNode] {
        [.conv2d("\(name).0", out: out, kernel: 3, stride: stride, padding: 1, bias: false, inputs: inputs),
         LayerNode("\(name).1", "group_norm", ["num_groups": .int(4)]), .plain("\(name).2", "relu")]
    }

    static func graph(_ spec: ModelSpec) throws -> ModelGraph {
        guard let kind = spec.options["kind"]?.stringValue.flatMap(FusionModelKind.init(rawValue:)),
              let hsiBands = spec.options["hsi_bands"]?.intValue, let lidarBands = spec.options["lidar_bands"]?.intValue,
              let w = spec.options["width"]?.intValue, (4...512).contains(w), w % 4 == 0 else {
            throw ReticleError(.corrupt, "\(name): options need kind, hsi_bands, lidar_bands and a width 4…512 divisible by 4")
        }
        var inputs: [GraphInput] = []
        var nodes: [LayerNode] = []
        var stems: [String] = []
        if kind.usesHSI {
            inputs.append(GraphInput("hsi", channels: hsiBands))
            nodes += [.conv2d("hsi_stem.0", out: w, kernel: 1, inputs: ["hsi"]), .plain("hsi_stem.1", "relu")]
            stems.append("hsi_stem.1")
        }
        if kind.usesLidar {
            inputs.append(GraphInput("lidar", channels: lidarBands))
            nodes += [.conv2d("lidar_stem.0", out: w / 2, kernel: 1, inputs: ["lidar"]), .plain("lidar_stem.1", "relu")]
            stems.append("lidar_stem.1")
        }
        nodes.append(.plain("stem", stems.count == 2 ? "concat" : "identity", inputs: stems))
        nodes += conv("enc1", out: w)
        nodes += conv("enc2a", out: 2 * w, stride: 2) + conv("enc2b", out: 2 * w)
        nodes += conv("enc3a", out: 4 * w, stride: 2) + conv("enc3b", out: 4 * w)
        nodes += [.conv2d("dec2.reduce", out: 2 * w, kernel: 1), LayerNode("dec2.up", "upsample", ["scale_factor": .int(2)]),
                  .plain("dec2.skip", "add", inputs: ["dec2.up", "enc2b.2"])]
        nodes += conv("dec2", out: 2 * w)
        nodes += [.conv2d("dec1.reduce", out: w, kernel: 1), LayerNode("dec1.up", "upsample", ["scale_factor": .int(2)]),
                  .plain("dec1.skip", "add", inputs: ["dec1.up", "enc1.2"])]
        nodes += conv("dec1", out: w)
        nodes += [.dropout("dropout", spec.dropout), .plain("pixels", "pixel_rows")]
        return ModelGraph(inputs: inputs, nodes: nodes,
                          heads: spec.heads.map { GraphHead($0, input: "pixels", parameterName: "heads.\($0.name)") })
    }

    /// The scene's features as the network's inputs ([1, bands, H', W'] per modality, zero-padded at the
    /// bottom and right to multiples of `gridMultiple`; zero is the mean after normalisation), and the
    /// padded width: pixel (line, sample) is output row line·W' + sample.
    static func inputs(_ scene: FusionScene) -> (tensors: [Tensor], paddedWidth: Int) {
        precondition(scene.patch == 1, "a patch-free scene is not padded for patches")
        let m = gridMultiple
        let (h, w) = ((scene.lines + m - 1) / m * m, (scene.samples + m - 1) / m * m)
        func tensor(_ v: [Float], _ bands: Int) -> Tensor {
            Tensor(shape: [1, bands, h, w], zeroedThen: { dst in
                v.withUnsafeBufferPointer { src in
                    for b in 0..<bands {
                        for l in 0..<scene.lines {
                            (dst + (b * h + l) * w).update(from: src.baseAddress! + (b * scene.lines + l) * scene.samples, count: scene.samples)
                        }
                    }
                }
            })
        }
        var out: [Tensor] = []
        if let hsi = scene.hsi { out.append(tensor(hsi, scene.hsiBands)) }
        if let lidar = scene.lidar { out.append(tensor(lidar, scene.lidarBands)) }
        return (out, w)
    }
}
