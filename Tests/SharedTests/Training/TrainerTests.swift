// Splits that respect groups, seeded augmentation, and the trainer's loop:
// log lines, best-weight keeping, checkpoints and early stopping.

import XCTest
import Foundation
@testable import Shared
import TestSupport

final class TrainerTests: XCTestCase {
    /// Twenty classes of three groups each: no class can be split 60/15/25 on its own, the whole must be.
    func testStratifiedSplitKeepsTheRequestedFractionsWithSmallClasses() {
        let labels = (0..<180).map { $0 / 9 }
        let groups = (0..<180).map { "g\($0 / 3)" }
        for seed in UInt64(1)...4 {
            for (validation, test) in [(0.15, 0.25), (0.2, 0.2), (0.1, 0.3)] {
                let split = DataSplit.stratified(labels: labels, groups: groups, validationFraction: validation,
                                                 testFraction: test, seed: seed)
                XCTAssertEqual(Double(split.validation.count) / 180, validation, accuracy: 0.03, "seed \(seed)")
                XCTAssertEqual(Double(split.test.count) / 180, test, accuracy: 0.03, "seed \(seed)")
                XCTAssertEqual(Set(split.train.map { labels[$0] }).count, 20, "every class on the training side")
            }
        }
    }

    func testStratifiedGroupSplitKeepsGroupsTogether() throws {
        var rng = SplitMix64(seed: 1)
        let labels = (0..<300).map { _ in Int(rng.next() % 3) }
        let groups = (0..<300).map { "specimen\($0 / 5)" }
        let split = DataSplit.stratified(labels: labels, groups: groups, validationFraction: 0.2, testFraction: 0.1, seed: 7)
        XCTAssertEqual((split.train + split.validation + split.test).sorted(), Array(0..<300))
        let sides = [split.train, split.validation, split.test].map { Set($0.map { groups[$0] }) }
        XCTAssert(sides[0].isDisjoint(with: sides[1]) && sides[0].isDisjoint(with: sides[2]) && sides[1].isDisjoint(with: sides[2]))
        XCTAssertEqual(Double(split.validation.count), 60, accuracy: 12)
        XCTAssertEqual(Double(split.test.count), 30, accuracy: 10)
        for c in 0..<3 { XCTAssert(split.validation.contains { labels[$0] == c }, "class \(c) in validation") }
        XCTAssertEqual(split, DataSplit.stratified(labels: labels, groups: groups, validationFraction: 0.2, testFraction: 0.1, seed: 7))
    }

    func testAugmentationIsSeededAndShapePreserving() throws {
        let image = distinctTensor([2, 8, 8], seed: 2)
        XCTAssertEqual(Augmentation().apply(image, rng: &SplitMixBox(seed: 0).rng).scalars, image.scalars, "no-op when disabled")
        var aug = Augmentation()
        aug.cropMinimumScale = 0.5; aug.horizontalFlip = true; aug.verticalFlip = true; aug.rotate90 = true
        aug.brightness = 0.1; aug.contrast = 0.2; aug.gamma = 0.2; aug.blurProbability = 1; aug.noise = 0.05
        var r1 = SplitMix64(seed: 3), r2 = SplitMix64(seed: 3)
        let a = aug.apply(image, rng: &r1), b = aug.apply(image, rng: &r2)
        XCTAssertEqual(a.shape, image.shape)
        XCTAssertEqual(a.scalars, b.scalars)
        XCTAssert(a.scalars.allSatisfy(\.isFinite))
        // Four quarter turns are the identity; one flip twice too.
        let turned = (0..<4).reduce(image) { t, _ in Augmentation.remap(t) { y, x, h, _ in (h - 1 - x, y) } }
        XCTAssertEqual(turned.scalars, image.scalars)
        let blurred = Augmentation.gaussianBlur(Tensor(shape: [1, 5, 5], repeating: 2), sigma: 1)
        XCTAssert(blurred.scalars.allSatisfy { abs($0 - 2) < 1e-5 }, "blur keeps a constant image")
    }

    func testTrainerLogsKeepsBestWeightsAndStopsEarly() throws {
        let dir = makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let data = textureDataset(count: 192, size: 12, seed: 5)
        let samples = TensorSamples(images: data.images, labels: [data.labels])
        let split = DataSplit.stratified(labels: data.labels, validationFraction: 0.25, seed: 1)
        let spec = ModelSpec(architecture: .compactCNN, inputChannels: 1, heads: [HeadSpec(name: "o", classes: ["a", "b", "c", "d"])],
                             compactWidths: [8, 16])
        var config = TrainerConfig()
        config.epochs = 6; config.batchSize = 16; config.learningRate = LearningRateSchedule(base: 0.01)
        config.augmentation.horizontalFlip = true; config.augmentation.noise = 0.05
        let trainer = Trainer(network: try Network(spec: spec, seed: 2), config: config)
        var batchesSeen = 0
        trainer.progress = { _, _, _, _ in batchesSeen += 1 }
        let log = dir.appendingPathComponent("log.jsonl"), checkpoint = dir.appendingPathComponent("best.safetensors")
        let manifest = ModelManifest(spec: spec, preprocessing: Preprocessing(height: 12, width: 12, channels: 1))
        let records = try trainer.fit(samples, train: split.train, validation: split.validation, log: log, checkpoint: checkpoint, manifest: manifest)
        XCTAssertEqual(batchesSeen, records.count * ((split.train.count + 15) / 16))
        let lines = try String(contentsOf: log, encoding: .utf8).split(separator: "\n")
        XCTAssertEqual(lines.count, records.count)
        XCTAssertNotNil(try JSONValue.parse(String(lines[0]))["validation_accuracy"]?["o"]?.doubleValue)
        // The network ends with the best validation weights, which are also the checkpoint's.
        let bestLoss = records.compactMap(\.validationLoss).min()!
        XCTAssertEqual(try trainer.evaluate(samples, split.validation).loss, bestLoss, accuracy: 1e-4)
        let (reloaded, _) = try ModelFile.load(from: checkpoint)
        assertClose(reloaded(data.images.slice(0..<4)).scalars, trainer.network(data.images.slice(0..<4)).scalars, rtol: 1e-5, atol: 1e-6)
        XCTAssertGreaterThan(records.last!.validationAccuracy[0], 0.5)

        // Patience 2 with a learning rate too small to keep improving: training ends exactly two epochs after the
        // best one, not three.
        var still = config
        still.epochs = 20
        still.learningRate = LearningRateSchedule(base: 1e-9); still.earlyStoppingPatience = 2; still.optimizer = .sgd
        still.augmentation = Augmentation()
        let stopped = try Trainer(network: try Network(spec: spec, seed: 2), config: still).fit(samples, train: split.train, validation: split.validation)
        let bestEpoch = stopped.min { $0.validationLoss! < $1.validationLoss! }!.epoch
        XCTAssertLessThan(stopped.count, still.epochs)
        XCTAssertEqual(stopped.count, bestEpoch + 2, "losses: \(stopped.map { $0.validationLoss! })")
    }
}

/// A mutable generator usable inline in an expression.
final class SplitMixBox { var rng: SplitMix64; init(seed: UInt64) { rng = SplitMix64(seed: seed) } }
