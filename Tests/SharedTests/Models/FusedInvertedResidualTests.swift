// The fused inverted residual (one kernel call per block, rows carried through
// expansion, depthwise and projection in cache) against the separate folded
// convolutions it replaces; folding builds it for every MobileNetV2 block; the
// int8 rewriter still sees the convolutions under their old paths.

import XCTest
@testable import Shared
import TestSupport

final class FusedInvertedResidualTests: XCTestCase {
    /// Folded-looking convolutions with random weights and biases: [expand 1×1 ReLU6,] depthwise 3×3 ReLU6, project 1×1.
    func layers(_ inC: Int, hidden: Int?, _ outC: Int, stride: Int, seed: UInt64) -> [Conv2d] {
        var rng = SplitMix64(seed: seed)
        var convs: [Conv2d] = []
        let mid = hidden ?? inC
        if let hidden { convs.append(Conv2d(Conv2dConfig(inC, hidden, kernelSize: 1), rng: &rng)) }
        convs.append(Conv2d(Conv2dConfig(mid, mid, kernelSize: 3, stride: stride, padding: 1, groups: mid), rng: &rng))
        convs.append(Conv2d(Conv2dConfig(mid, outC, kernelSize: 1), rng: &rng))
        for i in 0..<(convs.count - 1) { convs[i].fusedActivation = .relu6 }
        // Larger weights than PyTorch's default, so ReLU6 clips on both sides.
        for c in convs { c.weight.value = c.weight.value * 4 }
        return convs.map { $0.prepacked() }
    }

    func testBlocksMatchTheirSeparateConvolutions() throws {
        // (in, hidden, out, stride, height, width, batch, adds input): MobileNetV2's shapes scaled down, widths that
        // are no multiple of 8 or 48, a hidden width that makes bands of one row, no expansion, several images.
        let cases: [(Int, Int?, Int, Int, Int, Int, Int, Bool)] = [
            (16, 96, 24, 2, 13, 11, 1, false), (5, 30, 5, 1, 9, 7, 3, true), (8, nil, 8, 1, 17, 6, 2, true),
            (12, 600, 12, 1, 10, 33, 1, true), (9, 650, 13, 2, 11, 31, 2, false), (24, 144, 24, 1, 14, 14, 2, true),
            (3, 18, 7, 1, 1, 1, 3, false),
        ]
        defer { Convolution.forceAVX2(false) }
        for avx2 in [false, true] {
            // On AVX-512 machines, the AVX2 micro-kernels as well.
            Convolution.forceAVX2(avx2)
            try checkBlocks(cases, kernels: avx2 ? "AVX2" : Convolution.microKernelISA)
        }
    }

    func checkBlocks(_ cases: [(Int, Int?, Int, Int, Int, Int, Int, Bool)], kernels: String) throws {
        for (n, c) in cases.enumerated() {
            let i = "\(n) (\(kernels))"
            let convs = layers(c.0, hidden: c.1, c.2, stride: c.3, seed: UInt64(10 + n))
            let block = try XCTUnwrap(FusedInvertedResidual(convs, addsInput: c.7), "case \(i)")
            var rng = SplitMix64(seed: UInt64(40 + n))
            let x = Tensor.uniform([c.6, c.0, c.4, c.5], low: -2, high: 2, using: &rng)
            let separate = block.unfused(x)
            var fused = x
            // The benchmark's count of multiply-adds sees the fused block as the convolutions it replaces.
            let counted = Convolution.countingMultiplyAdds { fused = block.fused(x) }
            XCTAssertEqual(counted, Convolution.countingMultiplyAdds { _ = block.unfused(x) }, "case \(i) multiply-adds")
            XCTAssertEqual(fused.shape, [c.6, c.2, (c.4 - 1) / c.3 + 1, (c.5 - 1) / c.3 + 1], "case \(i)")
            assertClose(fused.scalars, separate.scalars, rtol: 1e-5, atol: 1e-5, "case \(i)")
            let chained = convs.reduce(x) { $1($0) }
            let expected = c.7 ? chained + x : chained
            assertClose(fused.scalars, expected.scalars, rtol: 1e-5, atol: 1e-5, "case \(i) by hand")
            // The layer (fused from two 48-pixel tiles per thread up, else the separate convolutions) and a pass
            // recording gradients (the separate convolutions) give the same.
            assertClose(block(x).scalars, fused.scalars, rtol: 1e-5, atol: 1e-5, "case \(i) as a layer")
            let tape = Tape()
            let v = tape.variable(x)
            let taped = block(v, ForwardContext(tape: tape)).value
            assertClose(taped.scalars, fused.scalars, rtol: 1e-5, atol: 1e-5, "case \(i) taped")
        }
    }

    func testOnlyInvertedResidualShapesFuse() {
        var rng = SplitMix64(seed: 3)
        let dense = Conv2d(Conv2dConfig(4, 4, kernelSize: 3, padding: 1), rng: &rng)
        let point = Conv2d(Conv2dConfig(4, 6, kernelSize: 1), rng: &rng)
        XCTAssertNil(FusedInvertedResidual([dense, point], addsInput: false), "a dense 3×3 is no depthwise convolution")
        let strided = layers(4, hidden: 8, 4, stride: 2, seed: 4)
        XCTAssertNotNil(FusedInvertedResidual(strided, addsInput: false))
        XCTAssertNil(FusedInvertedResidual(strided, addsInput: true), "a strided block cannot add its input")
        let widening = layers(4, hidden: 8, 6, stride: 1, seed: 5)
        XCTAssertNil(FusedInvertedResidual(widening, addsInput: true), "4 → 6 channels cannot add the input")
        XCTAssertNil(FusedInvertedResidual([strided[1], strided[0]], addsInput: false), "shapes that do not chain")
    }

    func testFoldedMobileNetV2RunsEveryBlockFused() throws {
        let net = try Network(spec: .classifier(.mobilenetV2, classes: 4), seed: 2)
        func blocks(_ l: any Layer) -> [FusedInvertedResidual] {
            switch l {
            case let f as FusedInvertedResidual: return [f]
            case let s as Sequential: return s.layers.flatMap(blocks)
            default: return []
            }
        }
        let fused = net.folded().layers.flatMap(blocks)
        // 17 inverted residuals (Table 2 of the paper: 1 + 2 + 3 + 4 + 3 + 3 + 1), 10 of them adding their input.
        XCTAssertEqual(fused.count, 17)
        XCTAssertEqual(fused.filter(\.addsInput).count, 10)
        XCTAssertEqual(fused.filter { $0.convolutions.count == 2 }.count, 1, "the first block does not expand")
    }

    func testQuantisedMobileNetV2SeesTheConvolutions() throws {
        let net = try Network(spec: .classifier(.mobilenetV2, classes: 3, widthMultiplier: 0.25), seed: 6)
        var rng = SplitMix64(seed: 7)
        let x = (0..<2).map { _ in Tensor.uniform([2, 3, 32, 32], low: -2, high: 2, using: &rng) }
        let q = try QuantizedModel.quantize(net, calibration: x, calibrator: .minmax)
        // The stem, 16 expansions, 17 projections and the last 1×1 in int8; the 17 depthwise convolutions in fp32.
        XCTAssertEqual(q.layers.count, 35)
        XCTAssertEqual(q.fp32Layers.count, 17)
        // The paths folding gave before fusion: one chain (q.0); the first block adds its input at this width (a
        // residual block: body.0 the depthwise, last the projection), the second is three convolutions in the chain.
        let paths = q.layers.compactMap { $0["path"]?.stringValue }
        XCTAssertEqual(Array(paths.prefix(4)), ["q.0.0", "q.0.1.last", "q.0.2", "q.0.4"])
        XCTAssertEqual(Array(q.fp32Layers.prefix(2)), ["q.0.1.body.0", "q.0.3"])
        let dir = makeTemporaryDirectory("reticle-fused-ir")
        defer { try? FileManager.default.removeItem(at: dir) }
        let url = dir.appendingPathComponent("q.safetensors")
        let manifest = ModelManifest(spec: net.spec, preprocessing: Preprocessing(height: 32, width: 32, channels: 3))
        try QuantizedModel.save(q, manifest: manifest, section: [:], to: url)
        let (loaded, _) = try ModelFile.load(from: url)
        XCTAssertEqual(loaded([x[0]]).scalars, q.network([x[0]]).scalars)
    }
}
