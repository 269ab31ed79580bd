// Single ops against PyTorch (fixtures/parity/ops.safetensors, written by
// scripts/parity_fixtures.py): values and input gradients of activations,
// pooling, resampling and normalisation, weighted smoothed cross-entropy, AdamW.

import XCTest
import Foundation
@testable import Shared
import TestSupport

final class OpsParityTests: XCTestCase {
    func fixture() throws -> SafeTensorsFile {
        let url = ParityTests.folder.appendingPathComponent("ops.safetensors")
        guard FileManager.default.fileExists(atPath: url.path) else { throw XCTSkip("\(url.path) is absent; run scripts/parity_fixtures.py") }
        return try SafeTensorsFile.read(contentsOf: url)
    }

    func testOpsMatchPyTorch() throws {
        let file = try fixture()
        let x = try file.tensor("x"), gamma = try file.tensor("gamma"), beta = try file.tensor("beta")
        let groupNorm = GroupNorm(groups: 2, channels: 4)
        groupNorm.weight.value = gamma; groupNorm.bias.value = beta
        let ops: [(String, (Variable) -> Variable)] = [
            ("gelu", { $0.gelu() }), ("silu", { $0.silu() }), ("leaky_relu", { $0.leakyRelu(slope: 0.1) }),
            ("sigmoid", { $0.sigmoid() }), ("softmax", { $0.softmax() }),
            ("max_pool", { $0.maxPool2d(kernel: (3, 3), stride: (2, 2), padding: (1, 1)) }),
            ("avg_pool", { $0.avgPool2d(kernel: (3, 3), stride: (2, 2), padding: (1, 1)) }),
            ("adaptive_avg", { $0.adaptiveAvgPool2d(4, 3) }), ("adaptive_max", { $0.adaptiveMaxPool2d(4, 3) }),
            ("nearest", { $0.upsample(toHeight: 11, width: 9, mode: .nearest) }),
            ("bilinear", { $0.upsample(toHeight: 11, width: 9, mode: .bilinear) }),
            ("group_norm", { groupNorm($0, .inference) }),
            ("layer_norm", { LayerNorm([6, 7])($0, .inference) }),
            ("batch_norm_train", {
                $0.batchNorm(weight: Variable(gamma), bias: Variable(beta), runningMean: Parameter(.zeros([4]), trainable: false),
                             runningVar: Parameter(.ones([4]), trainable: false), training: true)
            }),
        ]
        for (name, op) in ops {
            let tape = Tape()
            let xv = tape.variable(x)
            let y = op(xv)
            let expected = try file.tensor("\(name).out"), r = try file.tensor("\(name).r"), grad = try file.tensor("\(name).grad")
            XCTAssertEqual(y.shape, expected.shape, name)
            assertClose(y.value.scalars, expected.scalars, rtol: 1e-4, atol: 1e-5, "\(name) value")
            let dx = tape.backward(from: y, seed: r)[xv]!
            assertClose(dx.scalars, grad.scalars, rtol: 1e-4, atol: 1e-4, "\(name) gradient")
        }
    }

    func testWeightedSmoothedCrossEntropyAndAdamWMatchPyTorch() throws {
        let file = try fixture()
        let tape = Tape()
        let logits = tape.variable(try file.tensor("ce.logits"))
        let loss = Loss.crossEntropy(logits, targets: [0, 2, 1, 2, 0], labelSmoothing: 0.2, classWeights: [1, 2, 0.5])
        XCTAssertEqual(loss.value.item, try file.tensor("ce.loss").item, accuracy: 1e-5)
        let grad = tape.backward(from: loss)[logits]!
        assertClose(grad.scalars, try file.tensor("ce.grad").scalars, rtol: 1e-4, atol: 1e-6)

        let p = Parameter(try file.tensor("adamw.initial"))
        let c = try file.tensor("adamw.c")
        let opt = AdamW([p], learningRate: 0.05, weightDecay: 0.1)
        for t in 1...3 { p.grad = c * Float(t); opt.step() }
        assertClose(p.value.scalars, try file.tensor("adamw.after").scalars, rtol: 1e-5, atol: 1e-6)
    }
}
