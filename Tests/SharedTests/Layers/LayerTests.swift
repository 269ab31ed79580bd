// Layers: shapes, PyTorch names, train/eval behaviour, and finite-difference
// checks of each layer's gradients with respect to its parameters and input.

import XCTest
@testable import Shared
import TestSupport

/// Finite-difference check of a layer's input and parameter gradients (training-mode forward).
func checkLayerGradients(_ layer: any Layer, input: Tensor, epsilon: Float = 1e-2, rtol: Float = 3e-2, atol: Float = 3e-3,
                         samples: Int = 12, file: StaticString = #filePath, line: UInt = #line) {
    let params = layer.trainableParameters
    var rng = SplitMix64(seed: 5)
    // Training-mode BatchNorm updates running stats on every call; the loss does not depend on them.
    func loss(_ x: Tensor) -> (Double, Tensor) {
        let y = layer(Variable(x), ForwardContext(training: true, seed: 1)).value
        var r = SplitMix64(seed: 77)
        let proj = Tensor.uniform(y.shape, low: -1, high: 1, using: &r)
        return (zip(y.scalars, proj.scalars).reduce(0.0) { $0 + Double($1.0) * Double($1.1) }, proj)
    }
    params.forEach { $0.grad = nil }
    let tape = Tape()
    let xv = tape.variable(input)
    let y = layer(xv, ForwardContext(tape: tape, training: true, seed: 1))
    let (_, proj) = loss(input)
    let dx = tape.backward(from: y, seed: proj)[xv]!
    _ = rng.next()
    func compare(_ analytic: Float, _ numeric: Float, _ what: String) -> Bool {
        if abs(analytic - numeric) <= atol + rtol * max(abs(analytic), abs(numeric)) { return true }
        XCTFail("\(what): tape \(analytic) vs finite difference \(numeric)", file: file, line: line)
        return false
    }
    for j in stride(from: 0, to: input.count, by: max(1, input.count / samples)) {
        let numeric = Float((loss(input.adding(epsilon, at: j)).0 - loss(input.adding(-epsilon, at: j)).0) / Double(2 * epsilon))
        if !compare(dx.scalars[j], numeric, "input[\(j)]") { return }
    }
    for (name, p) in layer.namedParameters where p.isTrainable {
        guard let grad = p.grad else { XCTFail("no gradient for \(name)", file: file, line: line); return }
        let original = p.value
        for j in stride(from: 0, to: original.count, by: max(1, original.count / samples)) {
            p.value = original.adding(epsilon, at: j); let lp = loss(input).0
            p.value = original.adding(-epsilon, at: j); let lm = loss(input).0
            p.value = original
            if !compare(grad.scalars[j], Float((lp - lm) / Double(2 * epsilon)), "\(name)[\(j)]") { return }
        }
    }
}

final class LayerTests: XCTestCase {
    func testConvAndLinearGradients() {
        var rng = SplitMix64(seed: 1)
        checkLayerGradients(Conv2d(Conv2dConfig(3, 4, kernelSize: 3, stride: 2, padding: 1), rng: &rng), input: distinctTensor([2, 3, 5, 5], seed: 1))
        checkLayerGradients(Linear(6, 3, rng: &rng), input: distinctTensor([4, 6], seed: 2))
    }

    func testWeightedConvUsesMaskedKernelAndSameNames() {
        var rng = SplitMix64(seed: 2)
        let conv = Conv2d(Conv2dConfig(2, 3, kernelSize: 3, padding: 1), rng: &rng)
        let mask = Tensor(shape: [3, 3], scalars: [0, 1, 0, 1, 2, 1, 0, 1, 0])
        let weighted = WeightedConv2d(conv, mask: mask)
        XCTAssertEqual(weighted.namedParameters.map(\.name), ["weight", "bias"])
        let x = distinctTensor([1, 2, 4, 4], seed: 3)
        let maskedConv = Conv2d(conv.config, weight: conv.weight.value * mask.reshaped([1, 1, 3, 3]), bias: conv.bias!.value)
        assertClose(weighted(x).scalars, maskedConv(x).scalars, rtol: 1e-5, atol: 1e-6)
        checkLayerGradients(weighted, input: x)
        // Taps the mask zeroes never get a gradient.
        XCTAssertEqual(conv.weight.grad![0, 0, 0, 0], 0)
    }

    func testBatchNormTrainingUpdatesRunningStatsLikePyTorch() {
        let bn = BatchNorm2d(2)
        let x = Tensor(shape: [2, 2, 1, 2], scalars: [1, 2, 10, 20, 3, 4, 30, 40])
        let y = bn(Variable(x), ForwardContext(training: true)).value
        // channel 0 values 1,2,3,4: mean 2.5, biased var 1.25, unbiased 5/3.
        XCTAssertEqual(bn.runningMean.value[0], 0.25, accuracy: 1e-6)
        XCTAssertEqual(bn.runningVar.value[0], 0.9 + 0.1 * 5 / 3, accuracy: 1e-6)
        XCTAssertEqual(y[0, 0, 0, 0], (1 - 2.5) / (1.25 + 1e-5).squareRoot(), accuracy: 1e-5)
        // Evaluation uses the running statistics.
        let e = bn(x)
        XCTAssertEqual(e[0, 0, 0, 0], (1 - 0.25) / (bn.runningVar.value[0] + 1e-5).squareRoot(), accuracy: 1e-5)
        XCTAssertEqual(bn.namedParameters.map(\.name), ["weight", "bias", "running_mean", "running_var"])
        checkLayerGradients(bn, input: distinctTensor([3, 2, 2, 2], seed: 4))
    }

    func testGroupAndLayerNorm() {
        let gn = GroupNorm(groups: 2, channels: 4)
        gn.weight.value = distinctTensor([4], seed: 5); gn.bias.value = distinctTensor([4], seed: 6)
        checkLayerGradients(gn, input: distinctTensor([2, 4, 2, 3], seed: 7))
        let ln = LayerNorm([3, 2])
        ln.weight.value = distinctTensor([3, 2], seed: 8)
        checkLayerGradients(ln, input: distinctTensor([2, 4, 3, 2], seed: 9))
        let y = ln(distinctTensor([1, 1, 3, 2], seed: 1).map { $0 * 5 + 3 })
        XCTAssertEqual(y.count, 6)
    }

    func testDropoutTrainEval() {
        let d = Dropout(0.5)
        let x = Tensor.ones([1000])
        XCTAssertEqual(d(x).scalars, x.scalars)
        let y = d(Variable(x), ForwardContext(training: true, seed: 3)).value
        let kept = y.scalars.filter { $0 != 0 }
        XCTAssert(kept.allSatisfy { $0 == 2 })
        XCTAssert((400...600).contains(kept.count))
    }

    func testActivationsPoolingAndUpsampleShapes() {
        let x = distinctTensor([2, 3, 7, 9], seed: 10)
        XCTAssertEqual(Activation.leakyRelu(slope: 0.2)(x).shape, x.shape)
        XCTAssertEqual(MaxPool2d(kernelSize: 3, stride: 2, padding: 1)(x).shape, [2, 3, 4, 5])
        XCTAssertEqual(AvgPool2d(kernelSize: 2)(x).shape, [2, 3, 3, 4])
        XCTAssertEqual(AdaptivePool2d(.average, outH: 2, outW: 2)(x).shape, [2, 3, 2, 2])
        XCTAssertEqual(GlobalAvgPool()(x).shape, [2, 3])
        let spp = SpatialPyramidPool(levels: [1, 2, 4])
        XCTAssertEqual(spp(x).shape, [2, spp.outputFeatures(channels: 3)])
        XCTAssertEqual(spp(distinctTensor([2, 3, 13, 5], seed: 1)).shape, [2, 63])
        XCTAssertEqual(Upsample(scale: 2)(x).shape, [2, 3, 14, 18])
        XCTAssertEqual(Upsample(size: (5, 5))(x).shape, [2, 3, 5, 5])
        // Bilinear upsampling of a constant stays constant.
        XCTAssert(Upsample(scale: 3, mode: .bilinear)(Tensor.ones([1, 1, 2, 2])).scalars.allSatisfy { abs($0 - 1) < 1e-6 })
        let sm = Activation.softmax(x.reshaped([6, 63]))
        XCTAssertEqual(sm.sum(alongAxes: [1]).scalars.map { ($0 * 1000).rounded() }, [Float](repeating: 1000, count: 6))
    }

    func testSqueezeExcitationAndResidualBlocks() throws {
        var rng = SplitMix64(seed: 11)
        let se = SqueezeExcitation(channels: 4, squeezeChannels: 2, rng: &rng)
        XCTAssertEqual(se.namedParameters.map(\.name), ["fc1.weight", "fc1.bias", "fc2.weight", "fc2.bias"])
        checkLayerGradients(se, input: distinctTensor([2, 4, 3, 3], seed: 12))
        let ctx = LayerBuildContext(seed: 11)
        let block = try ctx.build(ResNet.basicBlock("b", 2, 4, stride: 2), inputs: [.image(2)]).layer
        XCTAssertEqual(block.namedParameters.map(\.name).filter { $0.hasPrefix("downsample") },
                       ["downsample.0.weight", "downsample.1.weight", "downsample.1.bias", "downsample.1.running_mean", "downsample.1.running_var"])
        XCTAssertEqual(block(distinctTensor([2, 2, 6, 6], seed: 13)).shape, [2, 4, 3, 3])
        checkLayerGradients(block, input: distinctTensor([2, 2, 4, 4], seed: 14), samples: 6)
        let bottleneck = try ctx.build(ResNet.bottleneckBlock("b", 8, width: 2, stride: 1), inputs: [.image(8)])
        XCTAssertNil((bottleneck.layer as? Residual)?.shortcut?.name)
        XCTAssertEqual(bottleneck.output, .image(8))
        XCTAssertEqual(bottleneck.layer(distinctTensor([1, 8, 3, 3], seed: 15)).shape, [1, 8, 3, 3])
    }
}
