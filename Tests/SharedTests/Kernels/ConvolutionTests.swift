// Convolution kernels (Reticle's micro-kernels, depthwise SIMD) against the naive
// references over random geometries, forward and both adjoints.

import XCTest
@testable import Shared
import TestSupport

final class ConvolutionTests: XCTestCase {
    /// A random small geometry; `depthwise` forces groups = C_in = C_out.
    func randomGeometry(_ rng: inout SeededRandom, depthwise: Bool = false) -> ConvGeometry {
        while true {
            let groups = depthwise ? Int.random(in: 2...4, using: &rng) : [1, 1, 2, 3].randomElement(using: &rng)!
            let cin = depthwise ? groups : groups * Int.random(in: 1...3, using: &rng)
            let cout = depthwise ? groups : groups * Int.random(in: 1...3, using: &rng)
            let k = (Int.random(in: 1...3, using: &rng), Int.random(in: 1...3, using: &rng))
            let s = (Int.random(in: 1...2, using: &rng), Int.random(in: 1...2, using: &rng))
            let p = (Int.random(in: 0...2, using: &rng), Int.random(in: 0...2, using: &rng))
            let d = (Int.random(in: 1...2, using: &rng), Int.random(in: 1...2, using: &rng))
            let h = Int.random(in: 1...9, using: &rng), w = Int.random(in: 1...13, using: &rng)
            let oh = (h + 2 * p.0 - d.0 * (k.0 - 1) - 1) / s.0 + 1, ow = (w + 2 * p.1 - d.1 * (k.1 - 1) - 1) / s.1 + 1
            guard h + 2 * p.0 - d.0 * (k.0 - 1) - 1 >= 0, w + 2 * p.1 - d.1 * (k.1 - 1) - 1 >= 0, oh >= 1, ow >= 1 else { continue }
            return ConvGeometry(batch: Int.random(in: 1...2, using: &rng), inChannels: cin, height: h, width: w, outChannels: cout,
                                kernel: k, stride: s, padding: p, dilation: d, groups: groups)
        }
    }

    func check(_ g: ConvGeometry, _ seed: UInt64) {
        var r = SplitMix64(seed: seed)
        let x = Tensor.uniform(g.inputShape, low: -1, high: 1, using: &r)
        let w = Tensor.uniform(g.weightShape, low: -1, high: 1, using: &r)
        let b = Tensor.uniform([g.outChannels], low: -1, high: 1, using: &r)
        let fast = Convolution.forward(g, input: x, weight: w, bias: b)
        let slow = Convolution.naiveForward(g, input: x, weight: w, bias: b)
        assertClose(fast.scalars, slow.scalars, rtol: 1e-4, atol: 1e-5, "\(g)")

        // Adjoint identities: <conv(x), dy> = <x, convᵀ_x(dy)> = <w, convᵀ_w(x, dy)> (+ bias term).
        let dy = Tensor.uniform(g.outputShape, low: -1, high: 1, using: &r)
        let lhs = (Convolution.naiveForward(g, input: x, weight: w) * dy).sum()
        let dx = Convolution.backwardInput(g, gradOutput: dy, weight: w)
        let (dw, db) = Convolution.backwardWeight(g, input: x, gradOutput: dy)
        XCTAssertEqual((x * dx).sum(), lhs, accuracy: 1e-3 * max(1, abs(lhs)), "input adjoint \(g)")
        XCTAssertEqual((w * dw).sum(), lhs, accuracy: 1e-3 * max(1, abs(lhs)), "weight adjoint \(g)")
        // The bias gradient against channel sums accumulated in Double.
        let ohw = g.outHeight * g.outWidth, dys = dy.scalars
        let reference = (0..<g.outChannels).map { c in
            Float((0..<g.batch).reduce(0.0) { acc, n in (0..<ohw).reduce(acc) { $0 + Double(dys[(n * g.outChannels + c) * ohw + $1]) } })
        }
        assertClose(db.scalars, reference, rtol: 1e-5, atol: 1e-4)
    }

    func testConvolutionMatchesNaiveOverRandomGeometries() {
        var rng = SeededRandom(seed: 42)
        for i in 0..<60 { check(randomGeometry(&rng), UInt64(i)) }
    }

    func testDepthwiseKernelMatchesNaive() {
        var rng = SeededRandom(seed: 43)
        for i in 0..<40 { check(randomGeometry(&rng, depthwise: true), UInt64(100 + i)) }
        // Wide rows exercise the SIMD8 body, not just the scalar tail.
        check(ConvGeometry(batch: 2, inChannels: 3, height: 7, width: 29, outChannels: 3, kernel: (3, 3), padding: (1, 1), groups: 3), 999)
        for width in 33...36 {  // the stride-2 SIMD body and its tail, even and odd widths
            check(ConvGeometry(batch: 1, inChannels: 2, height: 5, width: width, outChannels: 2, kernel: (3, 3), stride: (2, 2),
                               padding: (1, 1), groups: 2), UInt64(width))
        }
    }

    func testPointwiseAndFusedEpilogue() {
        let g = ConvGeometry(batch: 2, inChannels: 4, height: 3, width: 5, outChannels: 6, kernel: (1, 1))
        XCTAssertTrue(g.isPointwise)
        check(g, 5)
        var r = SplitMix64(seed: 3)
        let x = Tensor.uniform(g.inputShape, low: -1, high: 1, using: &r)
        let w = Tensor.uniform(g.weightShape, low: -1, high: 1, using: &r)
        let res = Tensor.uniform(g.outputShape, low: -1, high: 1, using: &r)
        let fused = Convolution.forward(g, input: x, weight: w, residual: res, activation: .relu)
        let plain = (Convolution.naiveForward(g, input: x, weight: w) + res).map { max($0, 0) }
        assertClose(fused.scalars, plain.scalars, rtol: 1e-4, atol: 1e-5)
    }

    func testManySmallImagesWithGroupsAndEpilogue() {
        // Small planes and several images: tiles and panels straddle images; with groups, bias, residual and ReLU6.
        let g = ConvGeometry(batch: 5, inChannels: 4, height: 5, width: 4, outChannels: 6, kernel: (3, 3), stride: (1, 2), padding: (1, 1), groups: 2)
        check(g, 77)
        check(ConvGeometry(batch: 7, inChannels: 2, height: 20, width: 30, outChannels: 3, kernel: (3, 3), padding: (1, 1)), 78)
        var r = SplitMix64(seed: 8)
        let x = Tensor.uniform(g.inputShape, low: -3, high: 3, using: &r), w = Tensor.uniform(g.weightShape, low: -1, high: 1, using: &r)
        let b = Tensor.uniform([6], low: -1, high: 1, using: &r), res = Tensor.uniform(g.outputShape, low: -3, high: 3, using: &r)
        let fused = Convolution.forward(g, input: x, weight: w, bias: b, residual: res, activation: .relu6)
        let plain = (Convolution.naiveForward(g, input: x, weight: w, bias: b) + res).map { min(max($0, 0), 6) }
        assertClose(fused.scalars, plain.scalars, rtol: 1e-4, atol: 1e-5)
    }

    func testOutputSizeMatchesPyTorchFormula() {
        let g = ConvGeometry(batch: 1, inChannels: 3, height: 224, width: 224, outChannels: 64, kernel: (7, 7), stride: (2, 2), padding: (3, 3))
        XCTAssertEqual(g.outputShape, [1, 64, 112, 112])
    }
}

/// The micro-kernel paths (Sources/CKernels) on shapes that reach every branch: direct and GEMM kernels, tiles
/// written in place and through the scatter path, pixel panels straddling images, depth split into several cache
/// blocks, partial channel panels and tap groups, channels split across threads when there are few pixels, both
/// input-gradient routes (direct with stride 1, col2im otherwise); on AVX-512 and on AVX2.
final class MicroKernelConvolutionTests: XCTestCase {
    let shapes = [
        // 3 images of 11×13: panels straddle images; K = 70·9 = 630 > 512: two depth blocks; 20 channels: a partial panel.
        ConvGeometry(batch: 3, inChannels: 70, height: 11, width: 13, outChannels: 20, kernel: (3, 3), padding: (1, 1)),
        // One image of 8×12 = two whole panels, in place; 16 channels.
        ConvGeometry(batch: 1, inChannels: 5, height: 8, width: 12, outChannels: 16, kernel: (3, 3), padding: (1, 1)),
        // 7×7 output from one image: too few pixels, threads split the channels; stride 2 and dilation.
        ConvGeometry(batch: 1, inChannels: 9, height: 15, width: 16, outChannels: 40, kernel: (3, 3), stride: (2, 2),
                     padding: (2, 2), dilation: (2, 2)),
        // Pointwise with a long patch: the direct kernel with AVX-512, the GEMM one in two depth blocks with AVX2.
        ConvGeometry(batch: 2, inChannels: 600, height: 3, width: 5, outChannels: 20, kernel: (1, 1)),
        // Pointwise, grouped (a short patch: the GEMM kernel), many pixels.
        ConvGeometry(batch: 2, inChannels: 12, height: 20, width: 31, outChannels: 24, kernel: (1, 1), groups: 3),
        // Grouped, rectangular window, stride 1: the input gradient runs as a direct convolution with the weight
        // flipped and transposed group by group.
        ConvGeometry(batch: 2, inChannels: 8, height: 9, width: 10, outChannels: 6, kernel: (3, 2), padding: (1, 1), groups: 2),
        // ResNet's stem shape, small: 7×7 stride 2, 3 channels.
        ConvGeometry(batch: 2, inChannels: 3, height: 30, width: 34, outChannels: 8, kernel: (7, 7), stride: (2, 2), padding: (3, 3)),
    ]

    func check(_ g: ConvGeometry, seed: UInt64) {
        var r = SplitMix64(seed: seed)
        let x = Tensor.uniform(g.inputShape, low: -1, high: 1, using: &r)
        let w = Tensor.uniform(g.weightShape, low: -1, high: 1, using: &r)
        let b = Tensor.uniform([g.outChannels], low: -1, high: 1, using: &r)
        let res = Tensor.uniform(g.outputShape, low: -2, high: 2, using: &r)
        let reference = Convolution.naiveForward(g, input: x, weight: w, bias: b)
        let fused = Convolution.forward(g, input: x, weight: w, bias: b, residual: res, activation: .relu6)
        assertClose(fused.scalars, (reference + res).map { min(max($0, 0), 6) }.scalars, rtol: 1e-4, atol: 1e-4, "forward \(g)")
        let prepacked = Convolution.forward(g, input: x, weight: w, bias: b, packed: PackedConvWeights(weight: w, groups: g.groups))
        assertClose(prepacked.scalars, reference.scalars, rtol: 1e-4, atol: 1e-4, "prepacked \(g)")

        // Both adjoints element by element against direct sums in Double.
        let dy = Tensor.uniform(g.outputShape, low: -1, high: 1, using: &r)
        let (dxReference, dwReference) = naiveBackward(g, input: x, weight: w, gradOutput: dy)
        assertClose(Convolution.backwardInput(g, gradOutput: dy, weight: w).scalars, dxReference.scalars, rtol: 1e-4, atol: 1e-4, "dx \(g)")
        assertClose(Convolution.backwardWeight(g, input: x, gradOutput: dy).weight.scalars, dwReference.scalars,
                    rtol: 1e-4, atol: 1e-3, "dw \(g)")
    }

    /// dx[n, c, iy, ix] = Σ w[o, c, ky, kx]·dy[n, o, oy, ox] and dw[o, c, ky, kx] = Σ x[n, c, iy, ix]·dy[n, o, oy, ox]
    /// over every (output pixel, tap) whose input position lies inside the image.
    func naiveBackward(_ g: ConvGeometry, input: Tensor, weight: Tensor, gradOutput: Tensor) -> (Tensor, Tensor) {
        var dx = [Double](repeating: 0, count: input.count), dw = [Double](repeating: 0, count: weight.count)
        let x = input.scalars, w = weight.scalars, dy = gradOutput.scalars
        for n in 0..<g.batch { for o in 0..<g.outChannels { for oy in 0..<g.outHeight { for ox in 0..<g.outWidth {
            let grad = Double(dy[((n * g.outChannels + o) * g.outHeight + oy) * g.outWidth + ox])
            let grp = o / g.outPerGroup
            for ic in 0..<g.inPerGroup { for ky in 0..<g.kernelH { for kx in 0..<g.kernelW {
                let iy = oy * g.strideH - g.padH + ky * g.dilationH, ix = ox * g.strideW - g.padW + kx * g.dilationW
                guard iy >= 0, iy < g.height, ix >= 0, ix < g.width else { continue }
                let xi = ((n * g.inChannels + grp * g.inPerGroup + ic) * g.height + iy) * g.width + ix
                let wi = ((o * g.inPerGroup + ic) * g.kernelH + ky) * g.kernelW + kx
                dx[xi] += Double(w[wi]) * grad
                dw[wi] += Double(x[xi]) * grad
            } } }
        } } } }
        return (Tensor(shape: g.inputShape, scalars: dx.map(Float.init)), Tensor(shape: g.weightShape, scalars: dw.map(Float.init)))
    }

    func testEveryBranchMatchesTheReference() {
        for (i, g) in shapes.enumerated() { check(g, seed: UInt64(i)) }
    }

    func testWeightGradientStaysAccurateOverLargePlanes() {
        // 960 000 equal products summed into each weight: one running float sum over them all was 1.3e-3 off,
        // sums of 256-pixel chunks added up are 1.5e-5 off.
        let g = ConvGeometry(batch: 2, inChannels: 1, height: 600, width: 800, outChannels: 1, kernel: (3, 3), padding: (1, 1))
        let x = Tensor(shape: g.inputShape, repeating: 0.1)
        let dy = Tensor(shape: g.outputShape, repeating: 1 / Float(2 * 600 * 800))
        let reference = naiveBackward(g, input: x, weight: Tensor(shape: g.weightShape), gradOutput: dy).1
        for avx2 in [false, true] {
            Convolution.forceAVX2(avx2)
            defer { Convolution.forceAVX2(false) }
            assertClose(Convolution.backwardWeight(g, input: x, gradOutput: dy).weight.scalars, reference.scalars,
                        rtol: 1e-4, atol: 0, "AVX2 \(avx2)")
        }
    }

    func testAVX2KernelsMatchTheReference() {
        Convolution.forceAVX2(true)
        defer { Convolution.forceAVX2(false) }
        for (i, g) in shapes.enumerated() { check(g, seed: UInt64(10 + i)) }
    }
}
