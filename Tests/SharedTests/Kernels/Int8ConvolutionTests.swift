// The int8 convolution kernel (ConvInt8.c) against its naive oracle: exact s32
// sums over random geometries, every part split and both kernel paths this CPU
// has; the quantisation of activations against its definition; the epilogue; and
// the int8 convolution's error against fp32 inside the bound quantisation allows.

import XCTest
@testable import Shared
import TestSupport

final class Int8ConvolutionTests: XCTestCase {
    func randomGeometry(_ r: inout SplitMix64) -> ConvGeometry {
        while true {
            let k = Int.random(in: 1...3, using: &r), s = Int.random(in: 1...2, using: &r)
            let p = Int.random(in: 0...2, using: &r), d = Int.random(in: 1...2, using: &r)
            let h = Int.random(in: 1...12, using: &r), w = Int.random(in: 1...19, using: &r)
            guard h + 2 * p - d * (k - 1) - 1 >= 0, w + 2 * p - d * (k - 1) - 1 >= 0 else { continue }
            return ConvGeometry(batch: Int.random(in: 1...3, using: &r), inChannels: Int.random(in: 1...21, using: &r), height: h, width: w,
                                outChannels: Int.random(in: 1...11, using: &r), kernel: (k, k), stride: (s, s), padding: (p, p), dilation: (d, d))
        }
    }

    func randomWeights(_ n: Int, _ r: inout SplitMix64) -> [Int8] {
        (0..<n).map { _ in Int8(Int.random(in: -Int8Convolution.weightLimit...Int8Convolution.weightLimit, using: &r)) }
    }

    func testSumsEqualTheOracleExactly() {
        var r = SplitMix64(seed: 11)
        for path in [false, true] {
            Convolution.forceAVX2(path)
            defer { Convolution.forceAVX2(false) }
            for trial in 0..<40 {
                let g = randomGeometry(&r)
                let x = Tensor.uniform(g.inputShape, low: -3, high: 5, using: &r)
                let q = ActivationQuantization(scale: Float.random(in: 0.01...0.05, using: &r), zeroPoint: Int.random(in: 0...255, using: &r))
                let w = randomWeights(g.outChannels * g.patchSize, &r)
                let packed = PackedInt8Weights(w, outChannels: g.outChannels, inChannels: g.inChannels, taps: g.kernelH * g.kernelW)
                let oracle = Int8Convolution.referenceSums(g, codes: q.codes(x), zeroPoint: q.zeroPoint, weights: w)
                for parts in 1...3 {
                    XCTAssertEqual(Int8Convolution.sums(g, input: x, quantization: q, weights: packed, parts: parts), oracle, "trial \(trial) \(g) parts \(parts)")
                }
            }
        }
    }

    /// ResNet's stem (7×7, stride 2, padding 3, 3 channels: a kernel row is 7 dwords, under the packing's 8) and 5×5
    /// rows of 15 dwords, on planes that end inside a 16-pixel tile, so tiles and pixel blocks run across images.
    func testWideKernelsAndTilesAcrossImagesEqualTheOracle() {
        var r = SplitMix64(seed: 29)
        let shapes = [ConvGeometry(batch: 3, inChannels: 3, height: 21, width: 17, outChannels: 9, kernel: (7, 7), stride: (2, 2), padding: (3, 3)),
                      ConvGeometry(batch: 2, inChannels: 9, height: 9, width: 6, outChannels: 5, kernel: (5, 5), padding: (2, 2)),
                      ConvGeometry(batch: 4, inChannels: 40, height: 3, width: 3, outChannels: 7, kernel: (3, 3), padding: (1, 1))]
        for g in shapes {
            let x = Tensor.uniform(g.inputShape, low: -2, high: 3, using: &r)
            let q = ActivationQuantization(scale: 0.02, zeroPoint: 97)
            let w = randomWeights(g.outChannels * g.patchSize, &r)
            let packed = PackedInt8Weights(w, outChannels: g.outChannels, inChannels: g.inChannels, taps: g.kernelH * g.kernelW)
            let oracle = Int8Convolution.referenceSums(g, codes: q.codes(x), zeroPoint: q.zeroPoint, weights: w)
            for parts in [1, 2, 5] {
                XCTAssertEqual(Int8Convolution.sums(g, input: x, quantization: q, weights: packed, parts: parts), oracle, "\(g) parts \(parts)")
            }
        }
    }

    /// Widths of 16 output channels and more: groups of 16 on the AMX tile unit where the CPU has one, pairs of
    /// panels over pairs of tiles on the 512-bit VNNI kernel, the rest on the 256-bit one; then the same with AMX
    /// declined and with the AVX2 kernels forced, every path equal to the oracle. Depths end inside a tile's 16 groups.
    /// (A CPU without AMX or VNNI runs the kernels it has; the message names them.)
    func testWideLayersEqualTheOracleOnEveryKernel() {
        var r = SplitMix64(seed: 41)
        let shapes = [ConvGeometry(batch: 2, inChannels: 9, height: 7, width: 9, outChannels: 16, kernel: (3, 3), padding: (1, 1)),
                      ConvGeometry(batch: 1, inChannels: 20, height: 11, width: 5, outChannels: 33, kernel: (3, 3), stride: (2, 2), padding: (1, 1)),
                      ConvGeometry(batch: 3, inChannels: 64, height: 6, width: 6, outChannels: 48, kernel: (1, 1)),
                      ConvGeometry(batch: 1, inChannels: 3, height: 19, width: 13, outChannels: 64, kernel: (7, 7), stride: (2, 2), padding: (3, 3))]
        defer { Int8Convolution.declineAMX(false); Convolution.forceAVX2(false) }
        for (declineAMX, avx2) in [(false, false), (true, false), (false, true)] {
            Int8Convolution.declineAMX(declineAMX)
            Convolution.forceAVX2(avx2)
            for g in shapes {
                let x = Tensor.uniform(g.inputShape, low: -2, high: 3, using: &r)
                let q = ActivationQuantization(scale: 0.02, zeroPoint: Int.random(in: 0...255, using: &r))
                let w = randomWeights(g.outChannels * g.patchSize, &r)
                let packed = PackedInt8Weights(w, outChannels: g.outChannels, inChannels: g.inChannels, taps: g.kernelH * g.kernelW)
                let oracle = Int8Convolution.referenceSums(g, codes: q.codes(x), zeroPoint: q.zeroPoint, weights: w)
                for parts in [1, 3] {
                    XCTAssertEqual(Int8Convolution.sums(g, input: x, quantization: q, weights: packed, parts: parts), oracle,
                                   "\(g) parts \(parts) on \(Int8Convolution.kernelISA)")
                }
            }
        }
    }

    /// Extreme codes and weights (255 against ±63 everywhere) sum without saturating, over a long depth.
    func testExtremeValuesDoNotSaturate() {
        let g = ConvGeometry(batch: 1, inChannels: 64, height: 5, width: 5, outChannels: 6, kernel: (3, 3), padding: (1, 1))
        let x = Tensor(shape: g.inputShape, repeating: 1000)
        let q = ActivationQuantization(scale: 1, zeroPoint: 0)
        let w = (0..<(6 * g.patchSize)).map { Int8($0 / g.patchSize % 2 == 0 ? 63 : -63) }
        let packed = PackedInt8Weights(w, outChannels: 6, inChannels: 64, taps: 9)
        let sums = Int8Convolution.sums(g, input: x, quantization: q, weights: packed, parts: 1)
        XCTAssertEqual(sums, Int8Convolution.referenceSums(g, codes: q.codes(x), zeroPoint: 0, weights: w))
        // The centre pixel sees all 576 taps: 255 · 63 · 576.
        XCTAssertEqual(sums[12], 255 * 63 * 576)
        XCTAssertEqual(sums[25 + 12], -255 * 63 * 576)
    }

    func testQuantizationFollowsItsDefinition() {
        var r = SplitMix64(seed: 3)
        let x = Tensor.uniform([2, 5, 7, 9], low: -4, high: 9, using: &r)
        let q = ActivationQuantization(low: -2, high: 6)
        XCTAssertEqual(q.zeroPoint, 64)  // 2 / (8 / 255) = 63.75
        let expected = x.scalars.map { v -> UInt8 in
            UInt8(Swift.max(0, Swift.min(255, (v * (1 / q.scale) + Float(q.zeroPoint)).rounded(.toNearestOrEven))))
        }
        XCTAssertEqual(q.codes(x), expected)
        // The NHWC form: channels padded to 8 with the zero point, pixel-major.
        let nhwc = Int8Convolution.quantizeNHWC(x, q, parts: 3)
        XCTAssertEqual(nhwc.count, 2 * 63 * 8)
        for n in 0..<2 { for p in 0..<63 { for c in 0..<8 {
            XCTAssertEqual(nhwc[(n * 63 + p) * 8 + c], c < 5 ? expected[(n * 5 + c) * 63 + p] : 64)
        } } }
        // Zero is a code exactly; a NaN becomes code 0.
        XCTAssertEqual(q.codes(Tensor(shape: [1], scalars: [0])), [64])
        XCTAssertEqual(q.codes(Tensor(shape: [1], scalars: [.nan])), [0])
    }

    func testEpilogueDequantisesTheSums() {
        var r = SplitMix64(seed: 5)
        for activation in [FusedActivation.none, .relu, .relu6] {
            let g = ConvGeometry(batch: 2, inChannels: 7, height: 9, width: 11, outChannels: 6, kernel: (3, 3), stride: (2, 2), padding: (1, 1))
            let x = Tensor.uniform(g.inputShape, low: -1, high: 3, using: &r)
            let q = ActivationQuantization(low: -1, high: 3)
            let w = randomWeights(6 * g.patchSize, &r)
            let scales = (0..<6).map { _ in Float.random(in: 0.5...2, using: &r) }, bias = (0..<6).map { _ in Float.random(in: -1...1, using: &r) }
            let residual = Tensor.uniform(g.outputShape, low: -2, high: 2, using: &r)
            let packed = PackedInt8Weights(w, outChannels: 6, inChannels: 7, taps: 9)
            let y = Int8Convolution.forward(g, input: x, quantization: q, weights: packed, outputScales: scales, bias: bias,
                                            residual: residual, activation: activation).scalars
            let sums = Int8Convolution.referenceSums(g, codes: q.codes(x), zeroPoint: q.zeroPoint, weights: w)
            let plane = g.outHeight * g.outWidth, rs = residual.scalars
            let expected = sums.enumerated().map { i, s -> Float in
                let oc = i / plane % 6
                let v = Float(s) * scales[oc] + bias[oc] + rs[i]
                return activation == .none ? v : activation == .relu ? Swift.max(v, 0) : Swift.min(Swift.max(v, 0), 6)
            }
            assertClose(y, expected, rtol: 1e-5, atol: 1e-4, "\(activation)")
        }
    }

    /// Quantised against fp32: each output differs by at most what rounding the weights (half a weight step per tap)
    /// and the activations (half an activation step per tap) allows, and the error is small overall.
    func testInt8ConvolutionStaysWithinTheQuantisationBound() {
        var r = SplitMix64(seed: 9)
        var rng = SplitMix64(seed: 10)
        let config = Conv2dConfig(16, 24, kernelSize: 3, stride: 1, padding: 1)
        let conv = Conv2d(config, rng: &rng).prepacked()
        let x = Tensor.uniform([2, 16, 10, 10], low: -1, high: 2, using: &r)
        let q = QuantizedConv2d(quantizing: conv, input: ActivationQuantization(low: -1, high: 2))
        let fp32 = conv(x).scalars, int8 = q(x).scalars
        let sx = q.input.scale, w = conv.weight.value.scalars, per = w.count / 24
        let plane = 100
        for (i, (a, b)) in zip(fp32, int8).enumerated() {
            let oc = i / plane % 24
            let absW = w[(oc * per)..<((oc + 1) * per)].reduce(0) { $0 + abs($1) }
            // |x| ≤ 2 at every tap; half a step of each operand per tap, plus the product of the two half steps.
            let bound = 0.5 * sx * absW + 0.5 * q.weightScales[oc] * 2 * Float(per) + 0.25 * sx * q.weightScales[oc] * Float(per)
            XCTAssertLessThanOrEqual(abs(a - b), bound * 1.001 + 1e-5, "output \(i)")
        }
        let rms = (zip(fp32, int8).map { ($0 - $1) * ($0 - $1) }.reduce(0, +) / Float(fp32.count)).squareRoot()
        let scale = (fp32.map { $0 * $0 }.reduce(0, +) / Float(fp32.count)).squareRoot()
        XCTAssertLessThan(rms / scale, 0.02)
        // The weights the kernel used, dequantised, are the fp32 ones within half a step per channel.
        let dq = q.dequantizedWeight.scalars
        for i in 0..<w.count { XCTAssertLessThanOrEqual(abs(dq[i] - w[i]), 0.5 * q.weightScales[i / per] * 1.0001) }
    }
}
