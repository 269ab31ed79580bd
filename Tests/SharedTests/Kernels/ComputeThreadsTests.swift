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

    /// Per-part counters, each slot written only by its own part: a part run twice or never shows as a count ≠ 1.
    final class PartCounts: @unchecked Sendable {
        let counts: UnsafeMutablePointer<Int>
        let size: Int
        init(_ size: Int) { self.size = size; counts = .allocate(capacity: size); counts.initialize(repeating: 0, count: size) }
        deinit { counts.deallocate() }
        func reset() { counts.update(repeating: 0, count: size) }
        var values: [Int] { Array(UnsafeBufferPointer(start: counts, count: size)) }
    }

    func testThePoolRunsEveryPartExactlyOnceJobAfterJob() {
        for parts in [2, 3, 5, 8, 65] {
            let seen = PartCounts(parts)
            var wrong = 0
            for _ in 0..<2000 {
                seen.reset()
                XCTAssertTrue(ComputeThreads.runOnPool(parts: parts) { seen.counts[$0] += 1 }, "the pool takes a job when idle")
                if seen.values != [Int](repeating: 1, count: parts) { wrong += 1 }
            }
            XCTAssertEqual(wrong, 0, "\(parts) parts: \(wrong) of 2000 jobs ran a part twice or not at all")
        }
        XCTAssertFalse(ComputeThreads.runOnPool(parts: 1) { _ in XCTFail("one part is the caller's") })
    }

    func testPartsRunOnTheWorkersNotOnlyOnTheCaller() {
        // Parts of about 20 µs: long enough for a spinning or woken worker to claim some (a trivial part could all
        // be done by the caller before a worker looks).
        let jobs = 500, parts = 2
        let threads = PartCounts(jobs * parts)
        let caller = Int(bitPattern: UInt(pthread_self()))
        for j in 0..<jobs {
            XCTAssertTrue(ComputeThreads.runOnPool(parts: parts) { part in
                let until = DispatchTime.now().uptimeNanoseconds + 20_000
                while DispatchTime.now().uptimeNanoseconds < until {}
                threads.counts[j * parts + part] = Int(bitPattern: UInt(pthread_self()))
            })
        }
        let elsewhere = threads.values.filter { $0 != caller }.count
        XCTAssertGreaterThan(elsewhere, 0, "every one of \(jobs * parts) parts ran on the calling thread")
    }

    func testSplitsFromSeveralThreadsAndNestedSplitsAllFinish() {
        // Four callers at once: one holds the pool, the others fall back to libdispatch; each part runs once.
        let callers = 4, rounds = 300, parts = 3
        let seen = PartCounts(callers * rounds * parts)
        DispatchQueue.concurrentPerform(iterations: callers) { c in
            for r in 0..<rounds {
                ComputeThreads.run(parts: parts) { seen.counts[(c * rounds + r) * parts + $0] += 1 }
            }
        }
        XCTAssertEqual(Set(seen.values), [1])
        // A part that splits again (the pool is held by its caller) runs its inner parts too.
        let inner = PartCounts(2 * 4)
        ComputeThreads.run(parts: 2) { outer in
            ComputeThreads.run(parts: 4) { inner.counts[outer * 4 + $0] += 1 }
        }
        XCTAssertEqual(inner.values, [Int](repeating: 1, count: 8))
    }
}
