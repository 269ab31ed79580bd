// Ensembles of medical classifiers: three networks trained from different seeds on a generated
// task with noisy labels (so each member is over-confident) make, through one ensemble file,
// better calibrated predictions than any member; vote and nested aggregation follow their
// definitions; temperature scaling lowers a member's calibration error without changing a call.

import Foundation
import Medical
import Shared
import TestSupport
import XCTest

final class MedicalEnsembleTests: XCTestCase {
    /// 16×16 noise; positives carry a bright 3×3 square; 20 % of the labels are flipped.
    static func task(count: Int, seed: UInt64, flip: Double = 0.2) -> TensorSamples {
        var rng = SplitMix64(seed: seed)
        var pixels: [Float] = [], labels: [Int] = []
        for i in 0..<count {
            let positive = i % 2 == 0
            var img = Tensor.normal([256], std: 1, using: &rng).scalars
            if positive {
                let x = Int(rng.next() % 13), y = Int(rng.next() % 13)
                for dy in 0..<3 { for dx in 0..<3 { img[(y + dy) * 16 + x + dx] += 1.5 } }
            }
            pixels += img
            let noisy = Double(rng.next() % 1000) / 1000 < flip
            labels.append(positive != noisy ? 1 : 0)
        }
        return TensorSamples(images: Tensor(shape: [count, 1, 16, 16], scalars: pixels), labels: [labels])
    }

    func ece(_ model: MedicalModel, _ data: TensorSamples) throws -> Double {
        try ReliabilityTable(probabilities: model.predict(data.inputs[0])[0].probabilities, truth: data.labels[0], bins: 10).expectedCalibrationError
    }

    func testEnsembleOfThreeIsBetterCalibratedThanItsMembers() throws {
        let dir = makeTemporaryDirectory("med-ensemble")
        let train = Self.task(count: 300, seed: 1), test = Self.task(count: 600, seed: 2)
        let spec = ModelSpec(architecture: .compactCNN, inputChannels: 1, heads: [HeadSpec(name: "class", kind: .binary, classes: ["0", "1"])],
                             compactWidths: [8, 16])
        let preprocessing = Preprocessing(height: 16, width: 16, channels: 1, mean: [0.5], std: [0.5])
        var paths: [String] = [], memberECE: [Double] = []
        for seed in UInt64(1)...3 {
            let network = try Network(spec: spec, seed: seed)
            var config = TrainerConfig()
            config.epochs = 20; config.batchSize = 16; config.seed = seed
            config.learningRate = LearningRateSchedule(base: 0.01)
            try Trainer(network: network, config: config).fit(train, train: Array(0..<300))
            let manifest = ModelManifest(spec: spec, preprocessing: preprocessing,
                                         provenance: [MedicalModel.provenanceKey: .object(["task": "binary", "temperature": .array([.number(0.5)])])])
            let path = dir.appendingPathComponent("m\(seed).safetensors").path
            try ModelFile.save(network, manifest: manifest, to: URL(fileURLWithPath: path))
            paths.append(path)
            let member = try MedicalModel.load(path)
            member.temperatures = [1]
            memberECE.append(try ece(member, test))
        }
        let ensemble = try ModelEnsembleOptions().build(members: paths, out: dir.appendingPathComponent("e.safetensors"))
        XCTAssertEqual(ensemble.members.count, 3)
        XCTAssertEqual(ensemble.temperatures, [1])  // the member's own temperature is not carried over
        let ensembleECE = try ece(ensemble, test)
        print("ECE members \(memberECE), ensemble \(ensembleECE)")
        for m in memberECE { XCTAssertLessThan(ensembleECE, m) }

        // The ensemble's probabilities are the mean of the members'; disagreement counts the members against the call.
        let x = test.inputs[0].slice(0..<40)
        let members = try paths.map { p -> [[Double]] in let m = try MedicalModel.load(p); m.temperatures = [1]; return m.predict(x)[0].probabilities }
        let prediction = ensemble.predict(x)[0]
        for i in 0..<40 {
            XCTAssertEqual(prediction.probabilities[i][1], members.map { $0[i][1] }.reduce(0, +) / 3, accuracy: 1e-6)
            let against = members.filter { ($0[i][1] > $0[i][0] ? 1 : 0) != prediction.calls[i] }.count
            XCTAssertEqual(prediction.disagreement[i], Double(against) / 3, accuracy: 1e-12)
            let p = prediction.probabilities[i]
            XCTAssertEqual(prediction.entropy[i], -(p[0] * log(p[0]) + p[1] * log(p[1])), accuracy: 1e-9)
        }
        // Nested: members 1 and 2 form one group, member 3 another; each group counts half.
        var nested = ModelEnsembleOptions()
        nested.aggregation = .nested; nested.groups = "0,0,1"
        let n = try nested.build(members: paths, out: dir.appendingPathComponent("n.safetensors")).predict(x)[0]
        for i in 0..<40 {
            XCTAssertEqual(n.probabilities[i][1], (members[0][i][1] + members[1][i][1]) / 4 + members[2][i][1] / 2, accuracy: 1e-6)
        }
        // Vote: the majority of member calls.
        var vote = ModelEnsembleOptions()
        vote.aggregation = .vote
        let v = try vote.build(members: paths, out: dir.appendingPathComponent("v.safetensors")).predict(x)[0]
        for i in 0..<40 {
            let ones = members.filter { $0[i][1] > $0[i][0] }.count
            XCTAssertEqual(v.calls[i], ones >= 2 ? 1 : 0)
        }
        // Temperature scaling on held-out data lowers a member's ECE and keeps its calls.
        let member = try MedicalModel.load(paths[0])
        member.temperatures = [1]
        let before = member.predict(test.inputs[0])[0]
        try member.fitTemperatures(Self.task(count: 400, seed: 9).inputs[0], labels: Self.task(count: 400, seed: 9).labels)
        XCTAssertGreaterThan(member.temperatures[0], 1)  // over-confident members are cooled
        XCTAssertLessThan(try ece(member, test), memberECE[0])
        XCTAssertEqual(member.predict(test.inputs[0])[0].calls, before.calls)
    }

    func testMembersMustAgree() throws {
        let dir = makeTemporaryDirectory("med-ensemble-bad")
        let a = ModelSpec(architecture: .compactCNN, inputChannels: 1, heads: [HeadSpec(name: "class", kind: .binary, classes: ["0", "1"])], compactWidths: [4])
        let b = ModelSpec(architecture: .compactCNN, inputChannels: 1, heads: [HeadSpec(name: "class", classes: ["x", "y", "z"])], compactWidths: [4])
        let p = Preprocessing(height: 8, width: 8, channels: 1)
        try ModelFile.save(try Network(spec: a), manifest: ModelManifest(spec: a, preprocessing: p), to: dir.appendingPathComponent("a.safetensors"))
        try ModelFile.save(try Network(spec: b), manifest: ModelManifest(spec: b, preprocessing: p), to: dir.appendingPathComponent("b.safetensors"))
        XCTAssertThrowsError(try ModelEnsembleOptions().build(members: [dir.appendingPathComponent("a.safetensors").path, dir.appendingPathComponent("b.safetensors").path],
                                                              out: dir.appendingPathComponent("e.safetensors"))) { e in
            XCTAssertTrue("\(e)".contains("b.safetensors") && "\(e)".contains("heads"), "\(e)")
        }
    }
}
