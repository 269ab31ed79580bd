// Inference folding computes the same function as the evaluation-mode network;
// the benchmark functions run (figures only printed, with RETICLE_BENCH=1).

import XCTest
import Foundation
@testable import Shared
import TestSupport

final class InferenceTests: XCTestCase {
    /// Trains BatchNorm statistics a little so folding has non-trivial scales and shifts.
    func warmed(_ spec: ModelSpec, size: Int) throws -> Network {
        let net = try Network(spec: spec, seed: 3)
        var rng = SplitMix64(seed: 4)
        for _ in 0..<2 { _ = net(Variable(Tensor.uniform([2, spec.inputChannels, size, size], low: -1, high: 1, using: &rng)), ForwardContext(training: true)) }
        for (_, p) in net.namedParameters where p.shape.count == 1 { p.value = p.value + Tensor.uniform(p.shape, low: -0.2, high: 0.2, using: &rng) }
        return net
    }

    func testFoldedNetworksMatchEvaluationMode() throws {
        for arch in [ModelSpec.Architecture.resnet18, .resnet50, .mobilenetV2, .compactCNN, .vgg11] {
            let spec = ModelSpec.classifier(arch, inputChannels: 2, classes: 5, widthMultiplier: arch == .compactCNN ? 0.5 : 0.125)
            let net = try warmed(spec, size: 32)
            var rng = SplitMix64(seed: 5)
            let x = Tensor.uniform([3, 2, 32, 32], low: -1, high: 1, using: &rng)
            let folded = net.foldedForInference()
            assertClose(folded(x).scalars, net(x).scalars, rtol: 1e-3, atol: 1e-4, arch.rawValue)
        }
    }

    func testPrepackedWeightChangedLaterIsNotUsedStale() throws {
        var rng = SplitMix64(seed: 9)
        let conv = Conv2d(Conv2dConfig(4, 8, kernelSize: 3, padding: 1), rng: &rng).prepacked()
        let x = Tensor.uniform([2, 4, 6, 7], low: -1, high: 1, using: &rng)
        // Change the weight in place after packing, as an optimiser step does.
        conv.weight.value.withUnsafeMutablePointer { w in for i in 0..<(8 * 4 * 9) { w[i] *= -2 } }
        let g = ConvGeometry(batch: 2, inChannels: 4, height: 6, width: 7, outChannels: 8, kernel: (3, 3), padding: (1, 1))
        let expected = Convolution.naiveForward(g, input: x, weight: conv.weight.value, bias: conv.bias!.value)
        assertClose(conv(x).scalars, expected.scalars, rtol: 1e-4, atol: 1e-5)
    }

    func testFusedResidualGradientMatchesUnfused() throws {
        var rng = SplitMix64(seed: 6)
        let conv = Conv2d(Conv2dConfig(2, 2, kernelSize: 3, padding: 1), rng: &rng)
        let x = distinctTensor([1, 2, 4, 4], seed: 7), r = distinctTensor([1, 2, 4, 4], seed: 8)
        checkGradients([x, r], "conv + residual") { conv.forward($0[0], residual: $0[1], .inference) }
    }

    func testBenchmarkFunctionsRun() throws {
        XCTAssertGreaterThan(Benchmark.sgemmGFLOPS(size: 64, repeats: 1), 0)
        let spec = ModelSpec.classifier(.resnet18, classes: 10, widthMultiplier: 0.125)
        let r = try Benchmark.forwardThroughput(spec: spec, batch: 2, size: 32, iterations: 1)
        XCTAssertGreaterThan(r.imagesPerSecond, 0)
        XCTAssertGreaterThan(try Benchmark.trainingThroughput(spec: spec, batch: 2, size: 32, iterations: 1).gflops, 0)
        // The full suite takes tens of seconds in release; run it on request.
        if ProcessInfo.processInfo.environment["RETICLE_BENCH"] == "1" {
            print("BENCH " + (try Benchmark.standardSuite()).serialized())
            let resnet = ModelSpec.classifier(.resnet18, classes: 1000)
            print("BENCH unfolded " + (try Benchmark.forwardThroughput(spec: resnet, batch: 16, size: 224, iterations: 2, folded: false)).json.serialized())
        }
    }
}
