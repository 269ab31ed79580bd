// The shared worker loop: results in index order whatever the finishing order, the worker count
// honoured, and a failure thrown (and new work stopped) rather than lost.

import Foundation
import Shared
import XCTest

final class ParallelLoopTests: XCTestCase {
    func testResultsComeBackInIndexOrder() throws {
        for workers in [0, 1, 3, 8, 100] {
            // Early indices sleep longest, so they finish last.
            let squares = try parallelMap(count: 24, workers: workers) { i -> Int in
                usleep(UInt32((24 - i) * 200))
                return i * i
            }
            XCTAssertEqual(squares, (0..<24).map { $0 * $0 }, "workers \(workers)")
        }
        XCTAssertEqual(try parallelMap(count: 0, workers: 4) { $0 }, [])
    }

    func testNoMoreThanTheGivenWorkersAtOnce() throws {
        let lock = NSLock()
        var running = 0, most = 0
        try parallelForEach(count: 32, workers: 3) { _ in
            lock.lock(); running += 1; most = max(most, running); lock.unlock()
            usleep(1000)
            lock.lock(); running -= 1; lock.unlock()
        }
        XCTAssertLessThanOrEqual(most, 3)
        XCTAssertGreaterThanOrEqual(most, 1)
    }

    func testTheFirstErrorIsThrownAndStopsNewWork() {
        let lock = NSLock()
        var started = 0
        XCTAssertThrowsError(try parallelMap(count: 1000, workers: 4) { i -> Int in
            lock.lock(); started += 1; lock.unlock()
            if i == 5 { throw ReticleError(.corrupt, file: "item-5", "bad item") }
            usleep(500)
            return i
        }) { error in
            XCTAssertEqual(error as? ReticleError, ReticleError(.corrupt, file: "item-5", "bad item"))
        }
        XCTAssertLessThan(started, 1000, "indices after the failure are not started")

        // One worker runs in order on the calling thread and stops at the failure.
        var seen: [Int] = []
        XCTAssertThrowsError(try parallelForEach(count: 10, workers: 1) { i in
            seen.append(i)
            if i == 3 { throw ReticleError(.usage, "stop") }
        })
        XCTAssertEqual(seen, [0, 1, 2, 3])
    }
}
