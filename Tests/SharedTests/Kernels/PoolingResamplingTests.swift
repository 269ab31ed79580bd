// Pooling and resampling kernels against brute-force references written from
// PyTorch's definitions, over random shapes, plus values PyTorch prints.

import XCTest
@testable import Shared
import TestSupport

final class PoolingResamplingTests: XCTestCase {
    /// Brute force: every window scanned from its definition, padding excluded from max, included in the average divisor.
    func referencePool(_ g: PoolGeometry, _ x: Tensor, max useMax: Bool) -> Tensor {
        var out = Tensor(shape: g.outputShape)
        for n in 0..<g.batch { for c in 0..<g.channels { for oy in 0..<g.outHeight { for ox in 0..<g.outWidth {
            var best = -Float.infinity, sum: Float = 0
            for ky in 0..<g.kernelH { for kx in 0..<g.kernelW {
                let iy = oy * g.strideH - g.padH + ky, ix = ox * g.strideW - g.padW + kx
                guard iy >= 0, iy < g.height, ix >= 0, ix < g.width else { continue }
                best = Swift.max(best, x[n, c, iy, ix]); sum += x[n, c, iy, ix]
            } }
            out[n, c, oy, ox] = useMax ? best : sum / Float(g.kernelH * g.kernelW)
        } } } }
        return out
    }

    func testWindowedPoolingMatchesReference() {
        var rng = SeededRandom(seed: 1)
        for i in 0..<80 {
            let k = (Int.random(in: 1...3, using: &rng), Int.random(in: 1...3, using: &rng))
            let p = (Int.random(in: 0...(k.0 / 2), using: &rng), Int.random(in: 0...(k.1 / 2), using: &rng))
            let s = (Int.random(in: 1...3, using: &rng), Int.random(in: 1...3, using: &rng))
            let h = Int.random(in: k.0...9, using: &rng), w = Int.random(in: k.1...9, using: &rng)
            let g = PoolGeometry(batch: 2, channels: 2, height: h, width: w, kernel: k, stride: s, padding: p)
            let x = distinctTensor(g.inputShape, seed: UInt64(i))
            XCTAssertEqual(Pooling.maxForward(g, input: x).output.scalars, referencePool(g, x, max: true).scalars, "max \(g)")
            // The inference kernel (no indices, Sources/CKernels/MaxPool.c).
            let plain = Pooling.maxForward(g, input: x, indices: false)
            XCTAssertEqual(plain.output.scalars, referencePool(g, x, max: true).scalars, "max without indices \(g)")
            XCTAssertTrue(plain.argmax.isEmpty)
            assertClose(Pooling.averageForward(g, input: x).scalars, referencePool(g, x, max: false).scalars, rtol: 1e-5, atol: 1e-6)
        }
    }

    func testMaxPoolingPropagatesNaNLikePyTorch() {
        // A NaN anywhere in a window wins, wherever it sits (first or second column or row), with and without indices.
        let g = PoolGeometry(batch: 1, channels: 1, height: 4, width: 6, kernel: (2, 2), stride: (2, 2))
        var x = Tensor(shape: g.inputShape, scalars: (0..<24).map(Float.init))
        x[0, 0, 0, 0] = .nan; x[0, 0, 1, 3] = .nan; x[0, 0, 3, 5] = .nan
        for indices in [true, false] {
            let y = Pooling.maxForward(g, input: x, indices: indices).output.scalars
            XCTAssertTrue(y[0].isNaN && y[1].isNaN && y[5].isNaN, "indices \(indices): \(y)")
            XCTAssertEqual(y[2], 11); XCTAssertEqual(y[3], 19); XCTAssertEqual(y[4], 21)
        }
    }

    func testAdaptivePoolingBinsFollowPyTorch() {
        // PyTorch: adaptive_avg_pool1d over 5 values into 3 bins uses [0,2), [1,4), [3,5).
        let x = Tensor(shape: [1, 1, 1, 5], scalars: [1, 2, 3, 4, 5])
        XCTAssertEqual(Pooling.adaptiveForward(input: x, outH: 1, outW: 3, max: false).output.scalars, [1.5, 3, 4.5])
        XCTAssertEqual(Pooling.adaptiveForward(input: x, outH: 1, outW: 3, max: true).output.scalars, [2, 4, 5])
        // Divisible sizes reduce to plain average pooling.
        let y = distinctTensor([2, 3, 6, 8], seed: 3)
        let g = PoolGeometry(batch: 2, channels: 3, height: 6, width: 8, kernel: (2, 4), stride: (2, 4))
        assertClose(Pooling.adaptiveForward(input: y, outH: 3, outW: 2, max: false).output.scalars,
                    referencePool(g, y, max: false).scalars, rtol: 1e-5, atol: 1e-6)
    }

    func testUpsamplingValuesMatchPyTorch() {
        let x = Tensor(shape: [1, 1, 1, 2], scalars: [1, 2])
        // F.interpolate(x, size=(1, 4), mode='bilinear', align_corners=False) → [1, 1.25, 1.75, 2]
        XCTAssertEqual(Resampling.forward(x, outH: 1, outW: 4, mode: .bilinear).scalars, [1, 1.25, 1.75, 2])
        XCTAssertEqual(Resampling.forward(x, outH: 1, outW: 4, mode: .nearest).scalars, [1, 1, 2, 2])
        // Nearest with a non-integer ratio: floor(i · in/out) → 3 to 5 picks 0, 0, 1, 1, 2.
        let z = Tensor(shape: [1, 1, 1, 3], scalars: [7, 8, 9])
        XCTAssertEqual(Resampling.forward(z, outH: 1, outW: 5, mode: .nearest).scalars, [7, 7, 8, 8, 9])
    }

    func testResamplingBackwardIsTheAdjoint() {
        var rng = SplitMix64(seed: 4)
        for mode in [Resampling.Mode.nearest, .bilinear] {
            let x = Tensor.uniform([2, 2, 3, 5], low: -1, high: 1, using: &rng)
            let dy = Tensor.uniform([2, 2, 7, 4], low: -1, high: 1, using: &rng)
            let lhs = (Resampling.forward(x, outH: 7, outW: 4, mode: mode) * dy).sum()
            let rhs = (x * Resampling.backward(dy, inputShape: x.shape, mode: mode)).sum()
            XCTAssertEqual(lhs, rhs, accuracy: 1e-4)
        }
    }
}
