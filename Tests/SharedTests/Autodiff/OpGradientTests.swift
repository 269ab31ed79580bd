// One finite-difference test per differentiable op.

import XCTest
import Shared
import TestSupport

final class OpGradientTests: XCTestCase {
    func testBroadcastingArithmetic() throws {
        let a = distinctTensor([2, 3, 4], seed: 1), b = distinctTensor([3, 1], seed: 2)
        checkGradients([a, b], "add") { $0[0] + $0[1] }
        checkGradients([a, b], "sub") { $0[0] - $0[1] }
        checkGradients([a, b], "mul") { $0[0] * $0[1] }
        checkGradients([a, b.map { $0 + 2 }], "div") { $0[0] / $0[1] }
        checkGradients([a], "scalar") { -($0[0] * 3 + 1) }
    }

    func testReductionsReshapeAndPointwise() throws {
        let a = distinctTensor([2, 3, 4], seed: 3)
        checkGradients([a], "sum") { $0[0].sum() }
        checkGradients([a], "mean") { $0[0].mean() }
        checkGradients([a], "sumAxes") { $0[0].sum(alongAxes: [0, 2]) }
        checkGradients([a], "meanAxes") { $0[0].mean(alongAxes: [1]) }
        checkGradients([a], "reshape") { $0[0].reshaped([4, 6]).squared() }
        checkGradients([a], "exp") { $0[0].exp() }
        checkGradients([a.map { abs($0) + 0.5 }], "log") { $0[0].log() }
    }

    func testMatmulAndLinear() throws {
        let a = distinctTensor([3, 4], seed: 4), b = distinctTensor([4, 5], seed: 5)
        checkGradients([a, b], "matmul") { $0[0].matmul($0[1]) }
        let w = distinctTensor([5, 4], seed: 6), bias = distinctTensor([5], seed: 7)
        checkGradients([a, w, bias], "linear") { $0[0].linear(weight: $0[1], bias: $0[2]) }
    }

    func testActivations() throws {
        let a = distinctTensor([2, 3, 5], seed: 8, scale: 3)
        checkGradients([a], "relu") { $0[0].relu() }
        checkGradients([a.map { $0 * 3 }], "relu6") { $0[0].relu6() }
        checkGradients([a], "leakyRelu") { $0[0].leakyRelu(slope: 0.1) }
        checkGradients([a], "sigmoid") { $0[0].sigmoid() }
        checkGradients([a], "tanh") { $0[0].tanh() }
        checkGradients([a], "silu") { $0[0].silu() }
        checkGradients([a], "gelu") { $0[0].gelu() }
        checkGradients([a], "softmax") { $0[0].softmax() }
        let mask = Tensor(shape: a.shape, scalars: (0..<a.count).map { $0 % 3 == 0 ? 0 : 1.5 })
        checkGradients([a], "mask") { $0[0].masked(by: mask) }
    }

    func testConvolutionAllInputs() throws {
        let x = distinctTensor([2, 4, 5, 6], seed: 9)
        let w = distinctTensor([6, 2, 3, 3], seed: 10), b = distinctTensor([6], seed: 11)
        checkGradients([x, w, b], "conv grouped strided") {
            $0[0].conv2d(weight: $0[1], bias: $0[2], stride: (2, 1), padding: (1, 1), dilation: (1, 2), groups: 2)
        }
        let dw = distinctTensor([4, 1, 3, 3], seed: 12)
        checkGradients([x, dw], "conv depthwise") { $0[0].conv2d(weight: $0[1], bias: nil, padding: (1, 1), groups: 4) }
        let pw = distinctTensor([3, 4, 1, 1], seed: 13)
        checkGradients([x, pw], "conv pointwise") { $0[0].conv2d(weight: $0[1], bias: nil) }
        // A fused ReLU has a kink wherever an output crosses zero, so compare with the composed ops instead.
        func grads(fused: Bool) -> [Tensor] {
            let tape = Tape()
            let (xv, wv) = (tape.variable(x), tape.variable(pw))
            let y = fused ? xv.conv2d(weight: wv, bias: nil, activation: .relu) : xv.conv2d(weight: wv, bias: nil).relu()
            let g = tape.backward(from: (y * y).sum())
            return [g[xv]!, g[wv]!]
        }
        for (a, b) in zip(grads(fused: true), grads(fused: false)) { assertClose(a.scalars, b.scalars) }
    }

    func testPoolingAndResampling() throws {
        let x = distinctTensor([2, 2, 5, 7], seed: 14)
        checkGradients([x], "maxPool") { $0[0].maxPool2d(kernel: (3, 3), stride: (2, 2), padding: (1, 1)) }
        checkGradients([x], "avgPool") { $0[0].avgPool2d(kernel: (2, 3), stride: (2, 2), padding: (1, 1)) }
        checkGradients([x], "adaptiveAvg") { $0[0].adaptiveAvgPool2d(3, 4) }
        checkGradients([x], "adaptiveMax") { $0[0].adaptiveMaxPool2d(2, 3) }
        checkGradients([x], "globalAvg") { $0[0].globalAvgPool() }
        checkGradients([x], "spp") { $0[0].spatialPyramidPool(levels: [1, 2]) }
        checkGradients([x], "nearest") { $0[0].upsample(toHeight: 10, width: 9, mode: .nearest) }
        checkGradients([x], "bilinear") { $0[0].upsample(toHeight: 9, width: 13, mode: .bilinear) }
    }

    func testConcat() throws {
        let a = distinctTensor([2, 3, 2, 2], seed: 15), b = distinctTensor([2, 1, 2, 2], seed: 16)
        checkGradients([a, b], "concat") { Variable.concat([$0[0], $0[1]], axis: 1) }
    }

    func testNormalization() throws {
        let x = distinctTensor([3, 4, 2, 3], seed: 17)
        let gamma = distinctTensor([4], seed: 18), beta = distinctTensor([4], seed: 19)
        for training in [true, false] {
            let rm = Parameter(Tensor(shape: [4], repeating: 0.1), trainable: false)
            let rv = Parameter(Tensor(shape: [4], repeating: 0.9), trainable: false)
            checkGradients([x, gamma, beta], "batchNorm training=\(training)") {
                $0[0].batchNorm(weight: $0[1], bias: $0[2], runningMean: rm, runningVar: rv, training: training)
            }
        }
        checkGradients([x.reshaped([6, 12])], "normalizedRows") { $0[0].normalizedRows() }
    }

    func testParameterGradientsAccumulate() throws {
        let p = Parameter(Tensor(shape: [2], scalars: [1, 2]))
        for _ in 0..<2 {
            let tape = Tape()
            let loss = (tape.variable(p) * Variable(Tensor(shape: [2], scalars: [3, 4]))).sum()
            tape.backward(from: loss)
        }
        XCTAssertEqual(p.grad?.scalars, [6, 8])
    }

    func testTapeIsFreedAfterAPass() throws {
        // Backward closures must not capture Variables (each holds its tape): check every layer family.
        weak var weakTape: Tape?
        do {
            let net = try Network(spec: ModelSpec(architecture: .compactCNN, inputChannels: 1, heads: [
                HeadSpec(name: "a", classes: ["x", "y"]), HeadSpec(name: "b", kind: .ordinal, classes: ["1", "2", "3"]),
            ], compactWidths: [2, 4]))
            let tape = Tape()
            weakTape = tape
            let loss = net.loss(tape.variable(Tensor(shape: [2, 1, 6, 6], repeating: 1)), labels: [[0, 1], [2, 0]], ForwardContext(tape: tape, training: true))
            tape.backward(from: loss)
            var rng = SplitMix64(seed: 1)
            let x = tape.variable(Tensor.uniform([2, 4, 4, 4], using: &rng))
            _ = Variable.concat([x.spatialPyramidPool(levels: [1, 2]), x.globalAvgPool()], axis: 1).softmax()
            _ = GroupNorm(groups: 2, channels: 4)(x, ForwardContext(tape: tape)).gelu().silu()
            _ = SqueezeExcitation(channels: 4, squeezeChannels: 2, rng: &rng)(x, ForwardContext(tape: tape))
        }
        XCTAssertNil(weakTape, "a retain cycle keeps the tape (and all activations) alive")
    }

    func testRetainedActivationGradient() throws {
        let tape = Tape()
        let x = tape.variable(Tensor(shape: [3], scalars: [1, -2, 3]))
        let h = x * 2
        let loss = h.relu().sum()
        let grads = tape.backward(from: loss, retaining: [h])
        XCTAssertEqual(grads[h]?.scalars, [1, 0, 1])
        XCTAssertEqual(grads[x]?.scalars, [2, 0, 2])
    }
}
