// The texture descriptor layer: co-occurrence statistics against an independent NumPy
// computation, LBP histograms on images whose patterns are known by hand, invariance to
// quarter turns, and a graph with texture features and a linear head that trains, saves,
// reloads and predicts what it predicted before saving.

import XCTest
import Foundation
import Shared
import TestSupport

final class TextureFeaturesTests: XCTestCase {
    /// The 4×4 example of scikit-image's graycomatrix docs, levels 0…3.
    /// Reference (symmetric, normalised, mean over 0°, 45°, 90°, 135°, distance 1), from NumPy:
    /// contrast 0.95138889, homogeneity 0.69930556, Σp² 0.13753858, correlation 0.52583291, entropy 2.11218805.
    func testCooccurrenceStatisticsMatchTheReference() {
        let levels = [0, 0, 1, 1, 0, 0, 1, 1, 0, 2, 2, 2, 2, 2, 3, 3]
        let stats = TextureFeatures.cooccurrenceStatistics(levels, height: 4, width: 4, distance: 1, levels: 4)
        assertClose(stats, [0.95138889, 0.69930556, 0.13753858, 0.52583291, 2.11218805], rtol: 1e-5)
        // Quantisation: values standing for the four levels give the same statistics through the layer.
        let values: [Float] = levels.map { [-2, -0.8, 0.5, 1.8][$0] }
        let layer = TextureFeatures(radii: [], distances: [1], levels: 4)
        assertClose(layer.describe(values, height: 4, width: 4), stats)
    }

    func testLBPOfKnownPatterns() {
        // Flat: every neighbour equals the centre, so all eight bits are set (bin 8).
        let flat = TextureFeatures.uniformLBPHistogram([Float](repeating: 0.3, count: 100), height: 10, width: 10, radius: 1)
        XCTAssertEqual(flat, [0, 0, 0, 0, 0, 0, 0, 0, 1, 0])
        // A bright isolated pixel on a dark field: the centre sees no brighter neighbour (bin 0);
        // its neighbours are not counted here because the histogram covers interior pixels only.
        var spot = [Float](repeating: 0, count: 9 * 9)
        spot[4 * 9 + 4] = 1
        let h = TextureFeatures.uniformLBPHistogram(spot, height: 9, width: 9, radius: 1)
        XCTAssertEqual(h.reduce(0, +), 1, accuracy: 1e-6)
        XCTAssertEqual(h[0], 1 / 25, accuracy: 1e-6)   // 5×5 interior pixels, the spot one of them
        // Vertical stripes two pixels wide: no pattern is non-uniform and the histogram sums to one.
        let stripes = (0..<144).map { Float(($0 % 12) / 2 % 2) }
        let s = TextureFeatures.uniformLBPHistogram(stripes, height: 12, width: 12, radius: 1)
        XCTAssertEqual(s.reduce(0, +), 1, accuracy: 1e-6)
        XCTAssertEqual(s[9], 0, accuracy: 1e-6)
    }

    func testQuarterTurnsLeaveTheDescriptorUnchanged() {
        var rng = SplitMix64(seed: 7)
        let n = 24
        let image = (0..<(n * n)).map { _ in rng.nextNormal() }
        var turned = [Float](repeating: 0, count: n * n)
        for y in 0..<n { for x in 0..<n { turned[x * n + (n - 1 - y)] = image[y * n + x] } }
        let layer = TextureFeatures()
        XCTAssertEqual(layer.featureCount, 45)
        XCTAssertEqual(layer.featureNames.count, 45)
        assertClose(layer.describe(turned, height: n, width: n), layer.describe(image, height: n, width: n), rtol: 1e-4, atol: 1e-5)
    }

    /// Stripes against spots, separable by texture alone: a texture_features → standardisation → linear
    /// graph learns them through the Trainer, and the saved model predicts the same after loading.
    func testTextureGraphTrainsSavesAndReloads() throws {
        var rng = SplitMix64(seed: 3)
        let side = 16
        var images: [Tensor] = [], labels: [Int] = []
        for i in 0..<48 {
            let stripes = i % 2 == 0
            let phase = Int(rng.next() % 4)
            let values: [Float] = (0..<(side * side)).map { p in
                let (y, x) = (p / side, p % side)
                let base: Float = stripes ? Float(((x + phase) / 2) % 2) : ((x + phase) % 4 == 0 && (y + phase) % 4 == 0 ? 1 : 0)
                return base + 0.05 * rng.nextNormal()
            }
            images.append(Tensor(shape: [1, side, side], scalars: values))
            labels.append(stripes ? 0 : 1)
        }
        let graph = ModelGraph.singleInput(channels: 1, body: [LayerNode("features.0", "texture_features", ["radii": [1, 2], "distances": [1, 2]]),
                                                               LayerNode("features.1", "feature_standardization")],
                                           heads: [HeadSpec(name: "type", classes: ["stripes", "spots"])], singleHeadName: "fc")
        let spec = ModelSpec(architecture: .graph, inputChannels: 1, heads: [HeadSpec(name: "type", classes: ["stripes", "spots"])])
        let network = try Network(graph: graph, spec: spec, seed: 1)
        let data = TensorSamples(inputs: [Tensor.stack(images)], labels: [labels])
        var config = TrainerConfig()
        config.epochs = 15; config.batchSize = 8; config.learningRate = LearningRateSchedule(base: 0.05)
        try Trainer(network: network, config: config).fit(data, train: Array(0..<data.count))
        let batch = Tensor.stack(images)
        let before = Predictor(network: network).probabilities([batch])[0]
        let calls = (0..<48).map { i in before[i, 0] > before[i, 1] ? 0 : 1 }
        XCTAssertEqual(zip(calls, labels).filter { $0 == $1 }.count, 48)

        let url = makeTemporaryDirectory("texture-graph").appendingPathComponent("m.safetensors")
        try ModelFile.save(network, manifest: ModelManifest(spec: spec, preprocessing: Preprocessing(height: side, width: side, channels: 1)), to: url)
        let (reloaded, _) = try ModelFile.load(from: url)
        assertClose(Predictor(network: reloaded).probabilities([batch])[0].scalars, before.scalars, rtol: 1e-5, atol: 1e-6)
        XCTAssertThrowsError(try GradCAM(network: reloaded)) { error in
            XCTAssertEqual((error as? ReticleError)?.kind, .usage)
        }
    }
}
