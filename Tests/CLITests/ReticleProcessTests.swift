// The child-process helper itself: a child writing more than a pipe buffer to both
// stderr and stdout must not deadlock it.
import Foundation
import TestSupport
import XCTest

final class ReticleProcessTests: XCTestCase {
    func testChildWritingMegabytesToBothPipesDoesNotDeadlock() throws {
        // stderr first: a helper that drains stdout to its end before reading stderr blocks forever here.
        let script = "head -c 1500000 /dev/zero | tr '\\0' e >&2; head -c 1200000 /dev/zero | tr '\\0' o; "
            + "head -c 300000 /dev/zero | tr '\\0' e >&2"
        final class Slot: @unchecked Sendable { var result: Result<ProcessResult, Error>? }
        let slot = Slot()
        let done = DispatchSemaphore(value: 0)
        Thread.detachNewThread {
            slot.result = Result { try ReticleProcess.run(["-c", script], executable: URL(fileURLWithPath: "/bin/sh")) }
            done.signal()
        }
        guard done.wait(timeout: .now() + 60) == .success else {
            return XCTFail("the helper deadlocked on a child writing megabytes to stderr and stdout")
        }
        let result = try XCTUnwrap(slot.result).get()
        XCTAssertEqual(result.status, 0)
        XCTAssertEqual(result.stdout.utf8.count, 1_200_000)
        XCTAssertEqual(result.stderr.utf8.count, 1_800_000)
        XCTAssertTrue(result.stdout.utf8.allSatisfy { $0 == UInt8(ascii: "o") })
        XCTAssertTrue(result.stderr.utf8.allSatisfy { $0 == UInt8(ascii: "e") })
    }

    /// A CPU without AVX2/FMA gets a message and exit status 1, not SIGILL (the check reads RETICLE_CPUINFO here).
    func testCPUWithoutAVX2GetsAClearMessage() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("cpuinfo-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let old = dir.appendingPathComponent("cpuinfo")
        try "processor\t: 0\nflags\t\t: fpu sse sse2 ssse3 sse4_1 sse4_2 popcnt avx\n".write(to: old, atomically: true, encoding: .utf8)
        let r = try ReticleProcess.run(["--version"], environment: ["RETICLE_CPUINFO": old.path])
        XCTAssertEqual(r.status, 1)
        XCTAssertTrue(r.stderr.contains("lacks avx2, fma"), r.stderr)
        XCTAssertTrue(r.stderr.contains("x86-64-v3"), r.stderr)

        let ok = try ReticleProcess.run(["--version"])
        XCTAssertEqual(ok.status, 0, ok.stderr)
    }
}
