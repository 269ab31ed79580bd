import Foundation
@testable import Shared
import XCTest

final class ProgressReporterTests: XCTestCase {
    final class Sink: @unchecked Sendable {
        let lock = NSLock()
        var text = ""
        func write(_ s: String) { lock.lock(); text += s; lock.unlock() }
    }

    func testBarRedrawsOnOneLineAndEndsWithNewline() {
        let sink = Sink()
        let p = ProgressReporter(label: "grade", total: 4, mode: .bar, write: sink.write)
        for i in 0..<4 { p.advance(failed: i == 2) }
        p.finish()
        XCTAssertTrue(sink.text.hasPrefix("\rgrade "))
        XCTAssertTrue(sink.text.contains("4/4"), sink.text)
        XCTAssertTrue(sink.text.contains("1 failed"), sink.text)
        XCTAssertTrue(sink.text.hasSuffix("\n"))
        XCTAssertEqual(sink.text.filter { $0 == "\n" }.count, 1)
    }

    func testLinesStayQuietForQuickRunsAndQuietModePrintsNothing() {
        let sink = Sink()
        let p = ProgressReporter(label: "inspect", total: 50, mode: .lines, write: sink.write)
        for _ in 0..<50 { p.advance() }
        p.finish()
        XCTAssertEqual(sink.text, "", "a run under a second prints no progress lines")

        let quiet = Sink()
        let q = ProgressReporter(label: "x", total: 3, mode: .quiet, write: quiet.write)
        for _ in 0..<3 { q.advance() }
        q.finish()
        XCTAssertEqual(quiet.text, "")
    }

    func testNoteFollowsTheCountsOnTheBarAndOnLines() {
        let sink = Sink()
        let p = ProgressReporter(label: "train", total: 2, mode: .bar, write: sink.write)
        p.advance(note: "epoch 1/1, loss 0.5000")
        p.advance(note: "epoch 1/1, loss 0.2500")
        p.finish()
        XCTAssertTrue(sink.text.contains("2/2"), sink.text)
        XCTAssertTrue(sink.text.contains("loss 0.2500"), sink.text)
        XCTAssertEqual(p.textLine(now: Date()).hasSuffix(", epoch 1/1, loss 0.2500"), true, p.textLine(now: Date()))
    }

    func testClockFormatting() {
        XCTAssertEqual(ProgressReporter.clock(59.6), "1:00")
        XCTAssertEqual(ProgressReporter.clock(3725), "1:02:05")
    }
}
