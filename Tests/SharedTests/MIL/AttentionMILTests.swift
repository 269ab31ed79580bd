// Gated-attention MIL: gradients of every weight and of the instance features against central
// differences, attention that is a distribution over the bag, the file round trip (and a
// damaged file), and training that finds the bag label carried by a single instance.

import Foundation
import Shared
import TestSupport
import XCTest

final class AttentionMILTests: XCTestCase {
    func makeMIL(features: Int = 5, hidden: Int = 4, seed: UInt64 = 3) -> AttentionMIL {
        let mil = AttentionMIL(config: .init(features: features, hidden: hidden, classes: ["a", "b", "c"]), seed: seed)
        mil.featureMean.value = Tensor(shape: [features], scalars: (0..<features).map { Float($0) * 0.1 })
        mil.featureStd.value = Tensor(shape: [features], scalars: (0..<features).map { 1 + Float($0) * 0.2 })
        return mil
    }

    func testWeightGradientsMatchFiniteDifferences() {
        let mil = makeMIL()
        let bag = distinctTensor([6, 5], seed: 7, scale: 2)
        func loss() -> Double {
            Double(Loss.crossEntropy(mil.forward(Variable(bag), .inference).logits, targets: [2]).value.item)
        }
        let tape = Tape()
        let l = Loss.crossEntropy(mil.forward(Variable(bag), ForwardContext(tape: tape, training: true)).logits, targets: [2])
        tape.backward(from: l)
        var checked = 0
        for (name, p) in mil.namedParameters where p.isTrainable {
            let analytic = try! XCTUnwrap(p.grad, name)
            XCTAssertEqual(analytic.shape, p.shape, name)
            for j in 0..<p.value.count {
                let original = p.value
                let eps: Float = 1e-2
                p.value = original.adding(eps, at: j)
                let plus = loss()
                p.value = original.adding(-eps, at: j)
                let minus = loss()
                p.value = original
                let numeric = (plus - minus) / (2 * Double(eps))
                let a = Double(analytic.scalars[j])
                XCTAssertEqual(a, numeric, accuracy: 2e-3 + 2e-2 * max(abs(a), abs(numeric)), "\(name)[\(j)]")
                checked += 1
            }
        }
        // V, U (5→4 with bias), w (4→1), classifier (5→3): every entry probed.
        XCTAssertEqual(checked, 2 * (20 + 4) + 5 + 18)
        XCTAssertNil(mil.featureMean.grad)
    }

    func testFeatureGradientsMatchFiniteDifferences() {
        let mil = makeMIL()
        checkGradients([distinctTensor([7, 5], seed: 11, scale: 1.5)], "attention MIL features") { v in
            let (logits, attention) = mil.forward(v[0], ForwardContext(tape: v[0].tape, training: true))
            return Variable.concat([logits, attention], axis: 1)
        }
    }

    func testAttentionIsADistributionAndTheEmbeddingItsWeightedMean() {
        let mil = makeMIL()
        let bag = distinctTensor([9, 5], seed: 5, scale: 3)
        let (p, a) = mil.predict(bag)
        XCTAssertEqual(a.count, 9)
        XCTAssertEqual(a.reduce(0, +), 1, accuracy: 1e-5)
        XCTAssertTrue(a.allSatisfy { $0 > 0 })
        XCTAssertEqual(p.count, 3)
        XCTAssertEqual(p.reduce(0, +), 1, accuracy: 1e-5)
        // A bag of identical instances: uniform attention, and the same output as one instance.
        let row = Array(bag.scalars[0..<5])
        let same = mil.predict(Tensor(shape: [4, 5], scalars: Array([[Float]](repeating: row, count: 4).joined())))
        XCTAssertEqual(same.attention.count, 4)
        for x in same.attention { XCTAssertEqual(x, 0.25, accuracy: 1e-6) }
        let one = mil.predict(Tensor(shape: [1, 5], scalars: row))
        XCTAssertEqual(one.attention, [1])
        for (x, y) in zip(same.probabilities, one.probabilities) { XCTAssertEqual(x, y, accuracy: 1e-6) }
    }

    func testFileRoundTripAndDamagedFiles() throws {
        let mil = makeMIL()
        let dir = makeTemporaryDirectory("reticle-mil")
        let url = dir.appendingPathComponent("mil.safetensors")
        try AttentionMILFile.save(mil, provenance: ["tile_model": ["sha256": "sha256:abc"]], to: url)
        let (back, provenance) = try AttentionMILFile.load(url)
        XCTAssertEqual(back.config, mil.config)
        XCTAssertEqual(provenance["tile_model"]?["sha256"], "sha256:abc")
        let bag = distinctTensor([4, 5], seed: 1)
        XCTAssertEqual(back.predict(bag).probabilities, mil.predict(bag).probabilities)
        XCTAssertEqual(back.featureStd.value.scalars, mil.featureStd.value.scalars)

        // A tile model (or any file without the MIL manifest) is refused by name.
        let plain = dir.appendingPathComponent("plain.safetensors")
        try SafeTensorsFile.write([(name: "x", tensor: Tensor(shape: [2]))], to: plain)
        XCTAssertThrowsError(try AttentionMILFile.load(plain)) { e in
            XCTAssertTrue("\(e)".contains("plain.safetensors") && "\(e)".contains("not an attention-MIL model"), "\(e)")
        }
        // A missing weight and a wrong shape are named.
        let tensors = mil.namedParameters.filter { $0.name != "classifier.bias" }.map { (name: $0.name, tensor: $0.parameter.value) }
        let text = try SafeTensorsFile.read(contentsOf: url).metadata[AttentionMILFile.manifestKey]!
        let missing = dir.appendingPathComponent("missing.safetensors")
        try SafeTensorsFile.write(tensors, metadata: [AttentionMILFile.manifestKey: text], to: missing)
        XCTAssertThrowsError(try AttentionMILFile.load(missing)) { e in XCTAssertTrue("\(e)".contains("classifier.bias"), "\(e)") }
        let broken = dir.appendingPathComponent("broken.safetensors")
        try SafeTensorsFile.write(tensors, metadata: [AttentionMILFile.manifestKey: "{\"kind\": 3"], to: broken)
        XCTAssertThrowsError(try AttentionMILFile.load(broken)) { e in XCTAssertTrue("\(e)".contains("broken.safetensors"), "\(e)") }
    }

    /// Bags of 6–12 "background" instances; a positive bag hides one instance shifted along
    /// feature 0. Mean pooling dilutes it; attention has to find it.
    func testTrainingFindsTheOneInstanceThatDecides() throws {
        var rng = SplitMix64(seed: 21)
        func bag(positive: Bool) -> Tensor {
            let n = 6 + Int(rng.next() % 7)
            var v = (0..<(n * 4)).map { _ in Float(Int(rng.next() % 2001) - 1000) / 1000 }
            if positive { v[Int(rng.next() % UInt64(n)) * 4] = 4 }
            return Tensor(shape: [n, 4], scalars: v)
        }
        var bags: [Tensor] = [], labels: [Int] = []
        for i in 0..<60 { let y = i % 2; bags.append(bag(positive: y == 1)); labels.append(y) }
        var config = AttentionMILTrainer.Config()
        config.epochs = 15
        config.hidden = 8
        config.learningRate = 5e-3
        let (mil, history) = try AttentionMILTrainer(config: config).train(bags: bags, labels: labels, classes: ["negative", "positive"],
                                                                          train: Array(0..<40), validation: Array(40..<60))
        XCTAssertEqual(history.count, 15)
        XCTAssertLessThan(history.last!.trainLoss, history.first!.trainLoss)
        XCTAssertGreaterThanOrEqual(history.last!.validationAccuracy ?? 0, 0.9)
        // In a positive bag the shifted instance carries the most attention.
        let b = bag(positive: true)
        let (p, a) = mil.predict(b)
        XCTAssertGreaterThan(p[1], 0.5)
        let top = a.indices.max { a[$0] < a[$1] }!
        XCTAssertEqual(b.scalars[top * 4], 4)
    }

    func testBagsOfDifferentWidthAreRefused() {
        XCTAssertThrowsError(try AttentionMILTrainer(config: .init()).train(
            bags: [Tensor(shape: [2, 3]), Tensor(shape: [2, 4])], labels: [0, 1], classes: ["a", "b"], train: [0, 1], validation: []))
    }
}
