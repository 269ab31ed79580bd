// The predictor: batched, folded inference equals the plain network, and
// per-head probabilities are distributions over each head's classes.

import XCTest
@testable import Shared
import TestSupport

final class PredictorTests: XCTestCase {
    func testBatchedFoldedLogitsAndProbabilities() throws {
        let spec = ModelSpec(architecture: .compactCNN, inputChannels: 2, heads: [
            HeadSpec(name: "kind", classes: ["a", "b", "c"]), HeadSpec(name: "grade", kind: .ordinal, classes: ["1", "2", "3", "4"]),
            HeadSpec(name: "flag", kind: .binary, classes: ["no", "yes"]),
        ], compactWidths: [4, 8])
        let net = try Network(spec: spec, seed: 3)
        var rng = SplitMix64(seed: 4)
        let x = Tensor.uniform([7, 2, 10, 10], low: -1, high: 1, using: &rng)
        let predictor = Predictor(network: net, batchSize: 3)
        assertClose(predictor.logits(x).scalars, net(x).scalars, rtol: 1e-4, atol: 1e-5)
        let probs = predictor.probabilities(x)
        XCTAssertEqual(probs.map(\.shape), [[7, 3], [7, 4], [7, 2]])
        for p in probs {
            for row in p.sum(alongAxes: [1]).scalars { XCTAssertEqual(row, 1, accuracy: 1e-5) }
            XCTAssert(p.scalars.allSatisfy { $0 >= 0 })
        }
    }

    func testOrdinalProbabilitiesFromThresholds() throws {
        // σ(z) = 0.9, 0.5, 0.1 → P = 0.1, 0.4, 0.4, 0.1.
        let z = Tensor(shape: [1, 3], scalars: [0.9, 0.5, 0.1].map { Float(log($0 / (1 - $0))) })
        assertClose(Predictor.probabilities(z, kind: .ordinal).scalars, [0.1, 0.4, 0.4, 0.1], rtol: 1e-5, atol: 1e-6)
    }
}
