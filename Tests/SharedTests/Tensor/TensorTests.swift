// Tensor value semantics, broadcasting, reductions and sgemm against the naive reference.

import XCTest
import Shared
import TestSupport

final class TensorTests: XCTestCase {
    func testCopyOnWriteKeepsValueSemantics() {
        let a = Tensor(shape: [2, 2], scalars: [1, 2, 3, 4])
        var b = a
        b[0, 1] = 9
        XCTAssertEqual(a.scalars, [1, 2, 3, 4])
        XCTAssertEqual(b.scalars, [1, 9, 3, 4])
    }

    func testEmptyTensors() {
        XCTAssertEqual(Tensor(shape: [0, 3], scalars: []).count, 0)
        XCTAssertEqual((Tensor(shape: [0, 3]) + Tensor(shape: [3])).shape, [0, 3])
        XCTAssertEqual(Tensor(shape: [2, 0]).sum(), 0)
    }

    func testReshapeInfersOneDimension() {
        let t = Tensor(shape: [2, 3, 4])
        XCTAssertEqual(t.reshaped([-1, 4]).shape, [6, 4])
        XCTAssertEqual(t.flattenedBatch().shape, [2, 12])
    }

    func testBroadcastingMatchesExplicitLoops() {
        var rng = SplitMix64(seed: 1)
        let a = Tensor.uniform([2, 3, 1, 4], using: &rng)
        let b = Tensor.uniform([3, 5, 1], using: &rng)
        let c = a * b
        XCTAssertEqual(c.shape, [2, 3, 5, 4])
        for n in 0..<2 { for i in 0..<3 { for j in 0..<5 { for k in 0..<4 {
            XCTAssertEqual(c[n, i, j, k], a[n, i, 0, k] * b[i, j, 0])
        } } } }
        XCTAssertEqual((a + Tensor(scalar: 1)).scalars, a.scalars.map { $0 + 1 })
    }

    func testSumAlongAxesAndReduceToShape() {
        let t = Tensor(shape: [2, 3], scalars: [1, 2, 3, 4, 5, 6])
        XCTAssertEqual(t.sum(alongAxes: [0]).scalars, [5, 7, 9])
        XCTAssertEqual(t.sum(alongAxes: [1], keepingDimensions: true).shape, [2, 1])
        XCTAssertEqual(t.sum(alongAxes: [1]).scalars, [6, 15])
        XCTAssertEqual(t.reduced(toShape: [3]).scalars, [5, 7, 9])
        XCTAssertEqual(t.reduced(toShape: [2, 1]).scalars, [6, 15])
        XCTAssertEqual(t.sum(), 21)
        XCTAssertEqual(t.argmaxRows(), [2, 2])
    }

    func testSgemmMatchesNaiveOverRandomShapesAndTransposes() {
        var rng = SeededRandom(seed: 7)
        for _ in 0..<20 {
            let m = Int.random(in: 1...17, using: &rng), n = Int.random(in: 1...19, using: &rng), k = Int.random(in: 1...23, using: &rng)
            let ta = Bool.random(using: &rng), tb = Bool.random(using: &rng)
            let a = (0..<(m * k)).map { _ in Float.random(in: -1...1, using: &rng) }
            let b = (0..<(k * n)).map { _ in Float.random(in: -1...1, using: &rng) }
            let c0 = (0..<(m * n)).map { _ in Float.random(in: -1...1, using: &rng) }
            var fast = c0, slow = c0
            Gemm.sgemm(transA: ta, transB: tb, m: m, n: n, k: k, alpha: 0.5, a: a, b: b, beta: 2, c: &fast)
            Gemm.naive(transA: ta, transB: tb, m: m, n: n, k: k, alpha: 0.5, a: a, b: b, beta: 2, c: &slow)
            assertClose(fast, slow, rtol: 1e-4, atol: 1e-5, "m\(m) n\(n) k\(k) tA\(ta) tB\(tb)")
        }
        // One row (batch-1 linear layers) goes through a matrix-vector product.
        for (ta, tb) in [(false, false), (false, true), (true, false), (true, true)] {
            let (m, n, k) = (1, 37, 29)
            let a = (0..<(m * k)).map { _ in Float.random(in: -1...1, using: &rng) }
            let b = (0..<(k * n)).map { _ in Float.random(in: -1...1, using: &rng) }
            let c0 = (0..<n).map { _ in Float.random(in: -1...1, using: &rng) }
            var fast = c0, slow = c0
            Gemm.sgemm(transA: ta, transB: tb, m: m, n: n, k: k, alpha: 0.5, a: a, b: b, beta: 2, c: &fast)
            Gemm.naive(transA: ta, transB: tb, m: m, n: n, k: k, alpha: 0.5, a: a, b: b, beta: 2, c: &slow)
            assertClose(fast, slow, rtol: 1e-4, atol: 1e-5, "one row, tA\(ta) tB\(tb)")
        }
    }

    func testMatmulAndTranspose() {
        let a = Tensor(shape: [2, 3], scalars: [1, 2, 3, 4, 5, 6])
        let b = Tensor(shape: [3, 1], scalars: [1, 0, -1])
        XCTAssertEqual(a.matmul(b).scalars, [-2, -2])
        XCTAssertEqual(a.transposed().matmul(a, transposeOther: false).shape, [3, 3])
        XCTAssertEqual(a.matmul(a, transposeOther: true).scalars, [14, 32, 32, 77])
    }

    func testStackAndSlice() {
        let a = Tensor(shape: [2], scalars: [1, 2]), b = Tensor(shape: [2], scalars: [3, 4])
        let s = Tensor.stack([a, b])
        XCTAssertEqual(s.shape, [2, 2])
        XCTAssertEqual(s.slice(1..<2).scalars, [3, 4])
    }
}
