// What an earlier run left in OUT/.running decides what this run does: a noted crash is an
// error row at once, a death without a signal is tried again once, and a marker of a live run on
// this host is someone else's item in flight. (The real faults are in CLITests/CrashRecoveryCLITests.)
import Foundation
@testable import Shared
import TestSupport
import XCTest

final class CrashJournalTests: XCTestCase {
    var dir: URL!
    var out: URL!
    var items: [InputItem] = []

    override func setUp() {
        dir = makeTemporaryDirectory("reticle-journal")
        out = dir.appendingPathComponent("out")
        let inputs = dir.appendingPathComponent("in")
        try! FileManager.default.createDirectory(at: inputs, withIntermediateDirectories: true)
        for name in ["a", "b", "c", "d"] {
            try! name.write(to: inputs.appendingPathComponent(name + ".txt"), atomically: true, encoding: .utf8)
        }
        items = try! InputCollector().collect([inputs.path])
    }

    override func tearDown() { try? FileManager.default.removeItem(at: dir) }

    /// The id of a process that has exited.
    func deadPID() throws -> Int32 {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/bin/true")
        try p.run()
        p.waitUntilExit()
        return p.processIdentifier
    }

    func writeMarker(_ id: String, pid: Int32, deaths: Int = 0, extra: String = "") throws {
        let journal = try CrashJournal(outDir: out)
        let line = "{\"pid\": \(pid), \"host\": \"\(CrashJournal.host)\", \"file\": \"x\", \"deaths\": \(deaths)}\n" + extra
        try line.write(to: journal.markerURL(id), atomically: false, encoding: .utf8)
    }

    func run(retryCrashed: Bool = false, seen: Counter = Counter()) throws -> (BatchSummary, [ItemRecord]) {
        let options = BatchOptions(outDir: out, retryCrashed: retryCrashed, threads: 1, settings: ["v": 1])
        return try BatchRunner(options: options).run(items, label: "t") { item in
            seen.increment()
            return ["text": .string(try String(contentsOfFile: item.path, encoding: .utf8))]
        }
    }

    func testLeftoversAreJudgedByTheirNotes() throws {
        let dead = try deadPID()
        try writeMarker("a", pid: dead, extra: "crashed SIGSEGV\n")
        try writeMarker("b", pid: dead)
        try writeMarker("c", pid: dead, deaths: 1)
        try writeMarker("d", pid: getppid())
        try "{\"pid\": 1e300, \"deaths\": -5".write(to: CrashJournal(outDir: out).markerURL("e"),
                                                    atomically: false, encoding: .utf8)
        let left = try CrashJournal(outDir: out).leftovers(for: ["a", "b", "c", "d", "e", "f"])
        XCTAssertEqual(left["a"], .init(signal: "SIGSEGV", deaths: 1))
        XCTAssertEqual(left["b"], .init(signal: nil, deaths: 1))
        XCTAssertEqual(left["c"], .init(signal: nil, deaths: 2))
        XCTAssertNil(left["d"], "a live process on this host is still working on it")
        XCTAssertEqual(left["e"], .init(signal: nil, deaths: 1), "a garbled marker still says a run ended")
        XCTAssertNil(left["f"])
        XCTAssertEqual([left["a"]!.isCulprit, left["b"]!.isCulprit, left["c"]!.isCulprit], [true, false, true])
    }

    func testCulpritsBecomeErrorRowsAndTheRestIsProcessed() throws {
        let dead = try deadPID()
        let ids = items.map(\.id)
        try writeMarker(ids[0], pid: dead, extra: "crashed SIGILL\n")  // noted crash
        try writeMarker(ids[1], pid: dead)                              // killed once: retried
        try writeMarker(ids[2], pid: dead, deaths: 1)                   // killed twice: blamed
        let seen = Counter()
        let (summary, records) = try run(seen: seen)
        XCTAssertEqual(seen.count, 2, "items b and d run; a and c are not tried again")
        XCTAssertEqual(summary.failed, 2)
        XCTAssertEqual(summary.succeeded, 2)
        XCTAssertEqual(records.map(\.status), [.error, .ok, .error, .ok])
        XCTAssertEqual(records[0].result[ItemRecord.crashKey], .string("SIGILL"))
        XCTAssertEqual(records[2].result[ItemRecord.crashKey], .string("killed"))
        XCTAssertTrue(records[2].error!.contains("the process ended 2 times while this file was in progress"), records[2].error!)
        XCTAssertFalse(FileManager.default.fileExists(atPath: out.appendingPathComponent(".running").path), "no item in flight")

        // Rerun: the error rows stay (exit status 2), nothing is redone.
        let again = Counter()
        let (s2, _) = try run(seen: again)
        XCTAssertEqual(again.count, 0)
        XCTAssertEqual(s2.failed, 2)
        XCTAssertEqual(s2.exitCode, 2)
        // Asked to, it tries them again.
        let retry = Counter()
        let (s3, r3) = try run(retryCrashed: true, seen: retry)
        XCTAssertEqual(retry.count, 2)
        XCTAssertEqual(s3.failed, 0)
        XCTAssertEqual(r3.map(\.status), [.ok, .ok, .ok, .ok])
    }

    func testTemporariesOfLiveWritersAreKeptAndDeadOnesRemovedEverywhere() throws {
        let store = try ItemStore(outDir: out)
        let overlays = out.appendingPathComponent("overlays")
        try FileManager.default.createDirectory(at: overlays, withIntermediateDirectories: true)
        let dead = try deadPID()
        let orphan = overlays.appendingPathComponent(".a.png\(AtomicFile.temporaryMarker)\(dead)-1")
        let othersItem = store.itemsDir.appendingPathComponent(".b.json\(AtomicFile.temporaryMarker)\(getppid())-2")
        let othersOverlay = overlays.appendingPathComponent(".b.png\(AtomicFile.temporaryMarker)\(getppid())-3")
        for url in [orphan, othersItem, othersOverlay] { FileManager.default.createFile(atPath: url.path, contents: Data([1])) }
        XCTAssertEqual(store.removeStaleTemporaries(), 1)
        XCTAssertFalse(FileManager.default.fileExists(atPath: orphan.path))
        XCTAssertTrue(FileManager.default.fileExists(atPath: othersItem.path), "another shard is writing it")
        XCTAssertTrue(FileManager.default.fileExists(atPath: othersOverlay.path))
    }
}
