// `--threads N` bounds every kernel: the splits are counted, not timed.

import XCTest
@testable import Shared
import TestSupport

final class ComputeThreadsTests: XCTestCase {
    var saved = 1

    override func setUp() { saved = ComputeThreads.count }
    override func tearDown() { ComputeThreads.set(saved) }

    /// Every kernel that splits: packing a large weight, the direct and GEMM forward kernels, both input-gradient
    /// paths, both weight-gradient paths, depthwise, max pooling (with and without argmax) and BatchNorm's channels.
    func runEveryKernel() {
        var r = SplitMix64(seed: 3)
        let g3 = ConvGeometry(batch: 4, inChannels: 64, height: 12, width: 12, outChannels: 128, kernel: (3, 3), padding: (1, 1))
        let g1 = ConvGeometry(batch: 4, inChannels: 64, height: 12, width: 12, outChannels: 32, kernel: (1, 1))
        let gs = ConvGeometry(batch: 4, inChannels: 16, height: 12, width: 12, outChannels: 16, kernel: (3, 3), stride: (2, 2),
                              padding: (1, 1))
        let gd = ConvGeometry(batch: 4, inChannels: 16, height: 12, width: 12, outChannels: 16, kernel: (3, 3), padding: (1, 1),
                              groups: 16)
        for g in [g3, g1, gs, gd] {
            let x = Tensor.uniform(g.inputShape, low: -1, high: 1, using: &r)
            let w = Tensor.uniform(g.weightShape, low: -1, high: 1, using: &r)
            let dy = Tensor.uniform(g.outputShape, low: -1, high: 1, using: &r)
            _ = Convolution.forward(g, input: x, weight: w)
            _ = Convolution.backwardInput(g, gradOutput: dy, weight: w)
            _ = Convolution.backwardWeight(g, input: x, gradOutput: dy)
        }
        let pool = PoolGeometry(batch: 2, channels: 8, height: 16, width: 16, kernel: (2, 2), stride: (2, 2))
        let x = Tensor.uniform(pool.inputShape, low: -1, high: 1, using: &r)
        _ = Pooling.maxForward(pool, input: x)
        _ = Pooling.maxForward(pool, input: x, indices: false)
        forChannels(8, elements: 1 << 17) { _ in }
    }

    func testBoundOfOneRunsEveryKernelInOnePartAndOpenBLASOnOneThread() {
        ComputeThreads.set(1)
        XCTAssertEqual(Convolution.threads, 1)
        XCTAssertEqual(Gemm.threads, 1)
        let splits = ComputeThreads.recordingSplits { runEveryKernel() }
        XCTAssertGreaterThan(splits.count, 15, "every kernel splits through ComputeThreads")
        XCTAssertEqual(Set(splits), [1], "splits: \(splits)")
    }

    func testKernelsSplitUpToTheBoundAndNoFurther() {
        ComputeThreads.set(3)
        let splits = ComputeThreads.recordingSplits { runEveryKernel() }
        XCTAssertEqual(splits.max(), 3, "splits: \(splits)")
        XCTAssertTrue(splits.allSatisfy { $0 >= 1 && $0 <= 3 }, "splits: \(splits)")
    }

    func testItemsInFlightShareTheBound() {
        ComputeThreads.set(4)
        XCTAssertEqual(BatchOptions(outDir: nil).effectiveThreads, 4, "a batch defaults to the bound")
        XCTAssertEqual(BatchOptions(outDir: nil, threads: 2).effectiveThreads, 2)
        ComputeThreads.sharing(among: 2) {
            XCTAssertEqual(ComputeThreads.perKernel, 2)
            XCTAssertEqual(Gemm.threads, 2)
            ComputeThreads.sharing(among: 4) {
                XCTAssertEqual(ComputeThreads.perKernel, 1)
                let splits = ComputeThreads.recordingSplits { runEveryKernel() }
                XCTAssertEqual(Set(splits), [1], "splits: \(splits)")
            }
            XCTAssertEqual(ComputeThreads.perKernel, 2)
        }
        XCTAssertEqual(ComputeThreads.perKernel, 4)
        XCTAssertEqual(Gemm.threads, 4)

        // A batch of four items at once: each item's kernels run in one part.
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("compute-threads-\(UUID().uuidString)")
        try? FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let items = (0..<4).map { i -> InputItem in
            let path = dir.appendingPathComponent("item\(i).txt").path
            FileManager.default.createFile(atPath: path, contents: Data("\(i)".utf8))
            return InputItem(path: path, displayPath: "item\(i)", id: "item\(i)")
        }
        final class Seen: @unchecked Sendable { let lock = NSLock(); var perKernel: [Int] = [] }
        let seen = Seen()
        _ = try? BatchRunner(options: BatchOptions(outDir: nil)).run(items, label: "t") { _ in
            seen.lock.withLock { seen.perKernel.append(ComputeThreads.perKernel) }
            return [:]
        }
        XCTAssertEqual(seen.perKernel, [1, 1, 1, 1], "every item ran, each with one part per kernel")
    }
}
