// Losses (values and finite-difference gradients), optimiser update rules,
// learning-rate schedules and gradient clipping.

import XCTest
import Foundation
@testable import Shared
import TestSupport

final class TrainingTests: XCTestCase {
    func testCrossEntropyValueMatchesDefinition() throws {
        let logits = Tensor(shape: [2, 3], scalars: [1, 2, 3, 0, 0, 0])
        let l = Loss.crossEntropy(Variable(logits), targets: [2, 0]).value.item
        let expected = (-log(exp(3.0) / (exp(1.0) + exp(2.0) + exp(3.0))) + log(3.0)) / 2
        XCTAssertEqual(Double(l), expected, accuracy: 1e-6)
        // With weights w and smoothing ε PyTorch divides by Σ w[target].
        let w: [Float] = [2, 1, 0.5]
        let lw = Loss.crossEntropy(Variable(logits), targets: [2, 0], labelSmoothing: 0.1, classWeights: w).value.item
        let p0 = [exp(1.0), exp(2.0), exp(3.0)].map { $0 / (exp(1.0) + exp(2.0) + exp(3.0)) }, p1 = [1.0 / 3, 1.0 / 3, 1.0 / 3]
        func row(_ p: [Double], _ y: Int) -> Double {
            -0.9 * Double(w[y]) * log(p[y]) - 0.1 / 3 * (0..<3).reduce(0.0) { $0 + Double(w[$1]) * log(p[$1]) }
        }
        XCTAssertEqual(Double(lw), (row(p0, 2) + row(p1, 0)) / 2.5, accuracy: 1e-5)
    }

    func testLossGradients() throws {
        let logits = distinctTensor([4, 3], seed: 1, scale: 2)
        checkGradients([logits], epsilon: 1e-3, "ce") { Loss.crossEntropy($0[0], targets: [0, 2, 1, 2]) }
        checkGradients([logits], epsilon: 1e-3, "ce smooth weighted") {
            Loss.crossEntropy($0[0], targets: [0, 2, 1, 2], labelSmoothing: 0.2, classWeights: [1, 2, 0.5])
        }
        let targets = Tensor(shape: [4, 3], scalars: [1, 0, 0.5, 0, 1, 1, 0, 0, 1, 1, 1, 0])
        checkGradients([logits], epsilon: 1e-3, "bce") { Loss.binaryCrossEntropy($0[0], targets: targets) }
        checkGradients([logits], epsilon: 1e-3, "coral") { Loss.coral($0[0], labels: [0, 3, 1, 2], classWeights: [1, 1, 2, 1]) }
        XCTAssertEqual(Loss.coralPredictions(Tensor(shape: [2, 3], scalars: [2, 1, -1, -1, -2, -3])), [2, 0])
    }

    func testBinaryCrossEntropyIsStableForLargeLogits() throws {
        let l = Loss.binaryCrossEntropy(Variable(Tensor(shape: [2], scalars: [100, -100])), targets: Tensor(shape: [2], scalars: [0, 1]))
        XCTAssertEqual(l.value.item, 100, accuracy: 1e-3)
    }

    func testSGDMomentumNesterovWeightDecayMatchPyTorchRule() throws {
        // Two steps on one scalar with constant gradient 1, by hand from torch.optim.SGD's documented rule.
        for nesterov in [false, true] {
            let p = Parameter(Tensor(shape: [1], scalars: [1]))
            let opt = SGD([p], learningRate: 0.1, momentum: 0.9, weightDecay: 0.5, nesterov: nesterov)
            var w: Float = 1, b: Float = 0
            for step in 0..<2 {
                p.grad = Tensor(shape: [1], scalars: [1])
                opt.step()
                let g = 1 + 0.5 * w
                b = step == 0 ? g : 0.9 * b + g
                w -= 0.1 * (nesterov ? g + 0.9 * b : b)
                XCTAssertEqual(p.value[0], w, accuracy: 1e-6)
            }
        }
    }

    func testAdamWMatchesReferenceRule() throws {
        let p = Parameter(Tensor(shape: [2], scalars: [1, -2]))
        let opt = AdamW([p], learningRate: 0.1, weightDecay: 0.1)
        var w: [Double] = [1, -2], m: [Double] = [0, 0], v: [Double] = [0, 0]
        for t in 1...3 {
            let g: [Double] = [0.5 * Double(t), -1]
            p.grad = Tensor(shape: [2], scalars: g.map(Float.init))
            opt.step()
            for i in 0..<2 {
                w[i] *= 1 - 0.1 * 0.1
                m[i] = 0.9 * m[i] + 0.1 * g[i]; v[i] = 0.999 * v[i] + 0.001 * g[i] * g[i]
                w[i] -= 0.1 * (m[i] / (1 - pow(0.9, Double(t)))) / ((v[i] / (1 - pow(0.999, Double(t)))).squareRoot() + 1e-8)
            }
            assertClose(p.value.scalars, w.map(Float.init), rtol: 1e-5, atol: 1e-6)
        }
        opt.zeroGradients()
        XCTAssertNil(p.grad)
    }

    func testSchedules() throws {
        XCTAssertEqual(LearningRateSchedule(base: 1, .step(every: 10, gamma: 0.1)).rate(at: 25), 0.01, accuracy: 1e-7)
        let cosine = LearningRateSchedule(base: 1, .cosine(total: 100, minimum: 0), warmupSteps: 10)
        XCTAssertEqual(cosine.rate(at: 0), 0.1, accuracy: 1e-6)
        XCTAssertEqual(cosine.rate(at: 9), 1, accuracy: 1e-6)
        XCTAssertEqual(cosine.rate(at: 60), 0.5, accuracy: 1e-6)
        XCTAssertEqual(cosine.rate(at: 500), 0, accuracy: 1e-6)
        XCTAssertEqual(LearningRateSchedule(base: 2, .poly(total: 10, power: 2)).rate(at: 5), 0.5, accuracy: 1e-6)
    }

    func testGradientClipping() throws {
        let a = Parameter(Tensor(shape: [2])), b = Parameter(Tensor(shape: [1]))
        a.grad = Tensor(shape: [2], scalars: [3, 0]); b.grad = Tensor(shape: [1], scalars: [4])
        XCTAssertEqual(clipGradientNorm([a, b], maxNorm: 1), 5, accuracy: 1e-5)
        XCTAssertEqual(a.grad![0], 0.6, accuracy: 1e-4)
        XCTAssertEqual(b.grad![0], 0.8, accuracy: 1e-4)
    }

    func testMultiHeadTrainStepReducesLoss() throws {
        let spec = ModelSpec(architecture: .compactCNN, inputChannels: 2, heads: [
            HeadSpec(name: "kind", classes: ["a", "b", "c"]), HeadSpec(name: "grade", kind: .ordinal, classes: ["1", "2", "3", "4"]),
            HeadSpec(name: "flag", kind: .binary, classes: ["no", "yes"]),
        ], compactWidths: [4, 8])
        let net = try Network(spec: spec, seed: 1)
        var rng = SplitMix64(seed: 2)
        let x = Tensor.uniform([6, 2, 8, 8], low: -1, high: 1, using: &rng)
        let labels = [[0, 1, 2, 0, 1, 2], [0, 1, 2, 3, 0, 3], [0, 1, 0, 1, 1, 0]]
        let opt = SGD(net.trainableParameters, learningRate: 0.05, momentum: 0.9)
        let first = net.trainStep(inputs: x, labels: labels, optimizer: opt, options: LossOptions(labelSmoothing: 0.1))
        var last = first
        for _ in 0..<30 { last = net.trainStep(inputs: x, labels: labels, optimizer: opt) }
        XCTAssertLessThan(last, first * 0.5)
        XCTAssertEqual(net.predict(x).map(\.count), [6, 6, 6])
    }
}
