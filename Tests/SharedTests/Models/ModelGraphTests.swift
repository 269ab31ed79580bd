// Model graphs: the built-in architectures as data, the format-1 model files
// written before graphs existed, and manifests that must fail before anything
// is allocated.

import XCTest
import Foundation
@testable import Shared
import TestSupport

final class ModelGraphTests: XCTestCase {
    /// `steel-demo-format1.safetensors` is the demo model as Reticle wrote it before model graphs (format 1: spec
    /// only), kept when the demo model was retrained. Its logits on a fixed input were recorded with that version
    /// (commit f601f77) and must not change.
    func testFormat1ModelFileLoadsAndPredictsAsBefore() throws {
        let url = Corpus.projectRoot.appendingPathComponent("fixtures/models/steel-demo-format1.safetensors")
        let (network, manifest) = try ModelFile.load(from: url)
        XCTAssertEqual(manifest.formatVersion, 1)
        XCTAssertNil(manifest.graph)
        let c = manifest.spec.inputChannels
        let x = Tensor(shape: [2, c, 64, 64], scalars: (0..<(2 * c * 64 * 64)).map { Float(($0 * 7919) % 1000) / 1000 - 0.5 })
        let recorded: [Float] = [-3.644733, -0.3503829, 2.6845767, -3.1059818, 9.606985, 6.081088, 2.7526958, -0.49734926,
                                 -3.6210265, -0.41422415, 2.7433953, -3.1801965, 9.517449, 5.9915514, 2.6631596, -0.58688545]
        assertClose(network(x).scalars, recorded, rtol: 1e-5, atol: 1e-5)
        assertClose(Predictor(network: network).logits(x).scalars, recorded, rtol: 1e-5, atol: 1e-5)
        XCTAssertEqual(network.namedParameters.count, 24)
        XCTAssertEqual(network.parameterCount, 98040)
    }

    func testBuiltinGraphsKeepTorchvisionNamesAndRoundTripThroughJSON() throws {
        let cases: [(ModelSpec.Architecture, Int, [String])] = [
            (.resnet18, 11_689_512, ["conv1.weight", "layer1.0.conv1.weight", "layer2.0.downsample.0.weight", "layer4.1.bn2.running_var", "fc.weight"]),
            (.resnet50, 25_557_032, ["layer1.0.conv3.weight", "layer4.2.bn3.bias", "fc.bias"]),
            (.mobilenetV2, 3_504_872, ["features.0.0.weight", "features.1.conv.0.0.weight", "features.2.conv.3.running_mean", "features.18.1.weight", "classifier.1.weight"]),
            (.vgg11, 132_863_336, ["features.0.weight", "features.18.bias", "classifier.0.weight", "classifier.3.bias", "classifier.6.weight"]),
        ]
        for (arch, count, names) in cases {
            let graph = try ArchitectureRegistry.graph(for: .classifier(arch, classes: 1000))
            let decoded = try JSONDecoder().decode(ModelGraph.self, from: JSONEncoder().encode(graph))
            XCTAssertEqual(decoded, graph, arch.rawValue)
            let net = try Network(graph: decoded)
            XCTAssertEqual(net.parameterCount, count, "torchvision's parameter count for \(arch)")
            let all = Set(net.namedParameters.map(\.name))
            for n in names { XCTAssertTrue(all.contains(n), "\(arch): \(n)") }
        }
    }

    func testHostileGraphsFailBeforeAllocating() throws {
        let head = [GraphHead(HeadSpec(name: "c", classes: ["a", "b"]), input: "pool", parameterName: "fc")]
        func graph(_ nodes: [LayerNode]) -> ModelGraph { ModelGraph(inputs: [GraphInput("image", channels: 3)], nodes: nodes, heads: head) }
        let pool = LayerNode.plain("pool", "global_avgpool")
        let cases: [(ModelGraph, String)] = [
            (graph([LayerNode("x", "no_such_layer"), pool]), "no_such_layer"),
            (graph([.conv2d("huge", out: 65_536, kernel: 31), .conv2d("huge2", out: 65_536, kernel: 31), pool]), "budget"),
            (graph([LayerNode("c", "conv2d", ["out_channels": -4, "kernel_size": 3]), pool]), "out_channels"),
            (graph([.plain("early", "relu", inputs: ["later"]), .plain("later", "relu"), pool]), "earlier layer"),
            (graph([.plain("a", "relu"), .plain("b", "relu", inputs: ["image", "a"]), pool]), "takes one input"),
            (ModelGraph(inputs: [GraphInput("image", channels: 3)], nodes: [.plain("r", "relu")],
                        heads: [GraphHead(HeadSpec(name: "c", classes: ["a", "b"]), input: "r", parameterName: "fc")]), "pool or flatten"),
            (graph([.conv2d("c", out: 4, kernel: 3, density: [1, 1]), pool]), "density"),
            (graph([LayerNode("block", "residual", children: [.conv2d("conv", out: 8, kernel: 1)]), pool]), "shortcut"),
        ]
        for (g, expected) in cases {
            XCTAssertThrowsError(try Network(graph: g), expected) { error in
                XCTAssertTrue("\(error)".contains(expected), "\(error) should mention \(expected)")
            }
        }
    }

    /// A node without named inputs reads the previous node; the first node reads the first input.
    func testUnnamedInputsFollowTheOrder() throws {
        let graph = ModelGraph(
            inputs: [GraphInput("a", channels: 3), GraphInput("b", kind: .vector, channels: 5)],
            nodes: [.conv2d("conv", out: 4, kernel: 1), .plain("pool", "global_avgpool"), .plain("join", "concat", inputs: ["pool", "b"])],
            heads: [GraphHead(HeadSpec(name: "c", classes: ["x", "y"]), input: "join", parameterName: "fc")])
        let net = try Network(graph: graph)
        XCTAssertEqual(net.namedParameters.first { $0.name == "conv.weight" }?.parameter.shape, [4, 3, 1, 1])
        XCTAssertEqual(net.namedParameters.first { $0.name == "fc.weight" }?.parameter.shape, [2, 9])
        XCTAssertEqual(net([Tensor(shape: [2, 3, 4, 4], repeating: 1), Tensor(shape: [2, 5], repeating: 1)]).shape, [2, 2])
    }

    /// Weighted convolution, spatial pyramid pooling, branches and merges all fold to the same function.
    func testFoldingHandlesEveryBuiltinCombination() throws {
        let graph = ModelGraph(
            inputs: [GraphInput("image", channels: 2)],
            nodes: [
                .conv2d("stem", out: 4, kernel: 3, padding: 1, bias: false, density: [0.5, 1, 0.5, 1, 1, 1, 0.5, 1, 0.5]),
                .batchNorm("stem_bn"), .plain("stem_relu", "relu"),
                .conv2d("left", out: 4, kernel: 1, inputs: ["stem_relu"]),
                LayerNode("right", "sequential", inputs: ["stem_relu"], children: [.conv2d("0", out: 4, kernel: 3, padding: 1), .batchNorm("1")]),
                .plain("sum", "add", inputs: ["left", "right"]),
                .plain("both", "concat", inputs: ["sum", "stem_relu"]),
                ResNet.basicBlock("block", 8, 8, stride: 1),
                LayerNode("pyramid", "spp", ["levels": [1, 2]]),
                .dropout("drop", 0.3), .linear("hidden", out: 5), .plain("hidden_act", "gelu"),
            ],
            heads: [GraphHead(HeadSpec(name: "c", classes: ["a", "b", "c"]), input: "hidden_act", parameterName: "fc")])
        let net = try Network(graph: graph, seed: 4)
        var rng = SplitMix64(seed: 5)
        for _ in 0..<2 { _ = net(Variable(Tensor.uniform([3, 2, 12, 12], low: -1, high: 1, using: &rng)), ForwardContext(training: true)) }
        let x = Tensor.uniform([3, 2, 12, 12], low: -1, high: 1, using: &rng)
        let folded = net.folded()
        XCTAssertTrue(folded.layers[0] is Sequential, "stem conv, BN and ReLU fold as one chain")
        assertClose(folded([x]).scalars, net(x).scalars, rtol: 1e-4, atol: 1e-5)
        // 2 inputs → SPP features are 8 channels × (1 + 4) cells.
        XCTAssertEqual(net.namedParameters.first { $0.name == "hidden.weight" }?.parameter.shape, [5, 40])
    }
}
