// The engine is open: an architecture with two inputs (an image and a feature
// vector) and a layer kind of its own, both defined here in a test target and
// registered without touching Shared, trains through Trainer, saves through
// ModelFile, reloads and predicts exactly what it predicted before saving.
// Plain `import Shared`: only the public API is used, as another module would.

import XCTest
import Foundation
import Shared
import TestSupport

/// y = x · w per feature, w trained (a layer kind Shared does not have). Shapes: [N, F] → [N, F].
struct FeatureScale: Layer {
    let weight: Parameter
    func forward(_ x: Variable, _ ctx: ForwardContext) -> Variable { x * ctx.variable(weight) }
    var namedParameters: [(name: String, parameter: Parameter)] { [("weight", weight)] }
    func foldedForInference() -> any Layer { self }
}

enum ImagePlusVector {
    static let name = "test.image-plus-vector"

    static func register() {
        LayerRegistry.register("test.feature_scale") { node, inputs, ctx in
            guard inputs.count == 1, inputs[0].rank == 2 else { throw ReticleError(.corrupt, "\(node.name): feature_scale needs one vector input") }
            try ctx.reserve(inputs[0].channels, for: node)
            return BuiltLayer(FeatureScale(weight: Parameter(.ones([inputs[0].channels]))), inputs[0])
        }
        ArchitectureRegistry.register(name) { spec in
            let features = spec.options["vector_features"]?.intValue ?? 4
            return ModelGraph(
                inputs: [GraphInput("image", channels: spec.inputChannels), GraphInput("clinical", kind: .vector, channels: features)],
                nodes: [
                    .conv2d("image_branch.0", out: 6, kernel: 3, padding: 1, bias: false, inputs: ["image"]),
                    .batchNorm("image_branch.1"), .plain("image_branch.2", "relu"), .plain("image_branch.3", "global_avgpool"),
                    .linear("vector_branch.0", out: 6, inputs: ["clinical"]), .plain("vector_branch.1", "relu"),
                    LayerNode("vector_branch.2", "test.feature_scale"),
                    .plain("fusion", "concat", inputs: ["image_branch.3", "vector_branch.2"]),
                    .linear("trunk.0", out: 8), .plain("trunk.1", "relu"),
                ],
                heads: spec.heads.map { GraphHead($0, input: "trunk.1", parameterName: "heads.\($0.name)") })
        }
    }
}

final class TwoInputArchitectureTests: XCTestCase {
    /// Class 1 when the image is bright and the vector's first feature is positive: neither input alone decides.
    func samples(_ n: Int, seed: UInt64) -> TensorSamples {
        var rng = SplitMix64(seed: seed)
        var images: [Float] = [], vectors: [Float] = [], labels: [Int] = []
        for _ in 0..<n {
            let bright = rng.nextUniform() < 0.5, positive = rng.nextUniform() < 0.5
            for _ in 0..<64 { images.append((bright ? 0.7 : -0.7) + 0.3 * (rng.nextUniform() - 0.5)) }
            vectors += [(positive ? 1 : -1) + 0.2 * (rng.nextUniform() - 0.5), rng.nextUniform(), rng.nextUniform(), rng.nextUniform()]
            labels.append(bright && positive ? 1 : 0)
        }
        return TensorSamples(inputs: [Tensor(shape: [n, 1, 8, 8], scalars: images), Tensor(shape: [n, 4], scalars: vectors)], labels: [labels])
    }

    func testTwoInputArchitectureTrainsSavesReloadsAndPredictsIdentically() throws {
        ImagePlusVector.register()
        let spec = ModelSpec(architecture: ModelSpec.Architecture(ImagePlusVector.name), inputChannels: 1,
                             heads: [HeadSpec(name: "outcome", classes: ["no", "yes"])], options: ["vector_features": 4])
        let network = try Network(spec: spec, seed: 3)
        XCTAssertEqual(network.inputs.map(\.name), ["image", "clinical"])
        XCTAssertTrue(network.namedParameters.map(\.name).contains("vector_branch.2.weight"))

        let train = samples(96, seed: 1)
        var config = TrainerConfig()
        config.epochs = 12
        config.batchSize = 16
        config.learningRate = LearningRateSchedule(base: 0.02)
        config.augmentation = Augmentation()
        let scaleBefore = network.namedParameters.first { $0.name == "vector_branch.2.weight" }!.parameter.value.scalars
        let records = try Trainer(network: network, config: config).fit(train, train: Array(0..<96))
        XCTAssertLessThan(records.last!.trainLoss, records.first!.trainLoss * 0.6, "the loss falls as the network learns both inputs")
        XCTAssertNotEqual(network.namedParameters.first { $0.name == "vector_branch.2.weight" }!.parameter.value.scalars, scaleBefore,
                          "the registered layer's parameter trains")

        let test = samples(40, seed: 2)
        let predicted = Predictor(network: network).logits(test.inputs)
        let accuracy = zip(network.predict(test.inputs)[0], test.labels[0]).filter { $0 == $1 }.count
        XCTAssertGreaterThanOrEqual(accuracy, 36, "learns the rule that needs both inputs (\(accuracy)/40)")

        let dir = makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let url = dir.appendingPathComponent("two-input.safetensors")
        try ModelFile.save(network, manifest: ModelManifest(spec: spec, preprocessing: Preprocessing(height: 8, width: 8, channels: 1)), to: url)
        let (reloaded, manifest) = try ModelFile.load(from: url)
        XCTAssertEqual(manifest.graph, network.graph)
        XCTAssertEqual(reloaded.inputs, network.inputs)
        XCTAssertEqual(Predictor(network: reloaded).logits(test.inputs).scalars, predicted.scalars)
        // Folding for inference computes the same function as the evaluation-mode graph.
        assertClose(predicted.scalars, network(test.inputs).scalars, rtol: 1e-4, atol: 1e-5)
    }
}
