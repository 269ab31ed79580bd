import Foundation
import Shared
import TestSupport
import XCTest

/// A counter shared with the work closure (which runs on several threads).
final class Counter: @unchecked Sendable {
    private let lock = NSLock()
    private var value = 0
    func increment() { lock.lock(); value += 1; lock.unlock() }
    var count: Int { lock.lock(); defer { lock.unlock() }; return value }
}

final class BatchRunnerTests: XCTestCase {
    var dir: URL!
    var inputs: URL!
    var out: URL!

    override func setUp() {
        dir = makeTemporaryDirectory()
        inputs = dir.appendingPathComponent("in")
        out = dir.appendingPathComponent("out")
        try! FileManager.default.createDirectory(at: inputs, withIntermediateDirectories: true)
        for i in 0..<12 {
            try! "\(i * 10)".write(to: inputs.appendingPathComponent(String(format: "n%02d.txt", i)), atomically: true, encoding: .utf8)
        }
        try! "not a number".write(to: inputs.appendingPathComponent("garbage.txt"), atomically: true, encoding: .utf8)
    }

    override func tearDown() { try? FileManager.default.removeItem(at: dir) }

    /// Parses the file as an integer and doubles it; anything else is an error row.
    func work(_ counter: Counter) -> @Sendable (InputItem) throws -> JSONObject {
        return { item in
            counter.increment()
            let text = try String(contentsOfFile: item.path, encoding: .utf8)
            guard let n = Int(text) else { throw ReticleError(.corrupt, "not an integer: '\(text)'") }
            return ["value": .int(n), "double": .int(2 * n), "nested": ["half": .number(Double(n) / 2)]]
        }
    }

    func runBatch(force: Bool = false, append: Bool = false, shard: Shard = .all, settings: JSONObject = ["v": 1],
                  label: String = "test", counter: Counter = Counter()) throws -> BatchSummary {
        let items = try InputCollector().collect([inputs.path])
        let options = BatchOptions(outDir: out, force: force, append: append, shard: shard, threads: 2, settings: settings)
        return try BatchRunner(options: options).run(items, label: label, work: work(counter)).summary
    }

    func testFirstRunWritesItemsTablesAndErrorRow() throws {
        let s = try runBatch()
        XCTAssertEqual(s.inShard, 13)
        XCTAssertEqual(s.succeeded, 12)
        XCTAssertEqual(s.failed, 1)
        XCTAssertEqual(s.exitCode, 2)
        let store = try ItemStore(outDir: out, create: false)
        let bad = try XCTUnwrap(store.load(id: "garbage.txt"))
        XCTAssertEqual(bad.status, .error)
        XCTAssertEqual(bad.error, "in/garbage.txt: not an integer: 'not a number'")
        let good = try XCTUnwrap(store.load(id: "n03.txt"))
        XCTAssertEqual(good.result["double"]?.intValue, 60)
        XCTAssertTrue(good.inputHash.hasPrefix("sha256:"))

        let csv = try String(contentsOf: out.appendingPathComponent("results.csv"), encoding: .utf8)
        let lines = csv.split(separator: "\n")
        XCTAssertEqual(lines.first, "id,file,status,error,value,double,nested.half")
        XCTAssertEqual(lines.count, 14)
        XCTAssertTrue(lines.contains("n03.txt,in/n03.txt,ok,,30,60,15"))
        XCTAssertTrue(lines.contains("garbage.txt,in/garbage.txt,error,in/garbage.txt: not an integer: 'not a number',,,"))
        let jsonl = try String(contentsOf: out.appendingPathComponent("results.jsonl"), encoding: .utf8)
        XCTAssertEqual(jsonl.split(separator: "\n").count, 13)
    }

    func testRerunSkipsFinishedItemsAndRetriesErrors() throws {
        _ = try runBatch()
        let counter = Counter()
        let s = try runBatch(counter: counter)
        XCTAssertEqual(s.skipped, 12)
        XCTAssertEqual(s.processed, 1, "only the error row is retried")
        XCTAssertEqual(counter.count, 1)
    }

    func testForceRedoesEverything() throws {
        _ = try runBatch()
        let counter = Counter()
        let s = try runBatch(force: true, counter: counter)
        XCTAssertEqual(s.skipped, 0)
        XCTAssertEqual(counter.count, 13)
    }

    func testChangedInputRedoesOnlyThatItem() throws {
        _ = try runBatch()
        try "999".write(to: inputs.appendingPathComponent("n05.txt"), atomically: true, encoding: .utf8)
        let c2 = Counter()
        let s = try runBatch(counter: c2)
        XCTAssertEqual(c2.count, 2, "the changed file and the error row")
        XCTAssertEqual(s.skipped, 11)
        let r = try XCTUnwrap(ItemStore(outDir: out, create: false).load(id: "n05.txt"))
        XCTAssertEqual(r.result["value"]?.intValue, 999)
    }

    func testAFolderOfOtherSettingsOrAnotherCommandIsRefused() throws {
        _ = try runBatch(settings: ["v": 1, "model": "a"])
        let counter = Counter()
        XCTAssertThrowsError(try runBatch(settings: ["v": 1, "model": "b"], counter: counter)) { error in
            let text = "\(error)"
            XCTAssertTrue(text.contains("model: \"a\" → \"b\""), text)
            XCTAssertTrue(text.contains("--force") && text.contains("--append"), text)
        }
        XCTAssertThrowsError(try runBatch(settings: ["v": 1, "model": "a"], label: "other", counter: counter)) { error in
            XCTAssertTrue("\(error)".contains("was written by \"test\", not \"other\""), "\(error)")
        }
        XCTAssertEqual(counter.count, 0, "nothing ran")
        XCTAssertEqual(try ItemStore(outDir: out, create: false).allRecords().records.count, 13, "nothing was touched")
    }

    func testForceIntoAFolderOfOtherSettingsReplacesItsItems() throws {
        _ = try runBatch(settings: ["v": 1])
        // An item only the old settings saw must not survive into the new tables.
        let store = try ItemStore(outDir: out, create: false)
        var orphan = try XCTUnwrap(store.load(id: "n01.txt"))
        orphan = ItemRecord(id: "old-only", file: "in/old.txt", status: .ok, inputHash: orphan.inputHash,
                            settingsHash: orphan.settingsHash, elapsedSeconds: 0, finishedAt: orphan.finishedAt)
        try store.save(orphan)
        let counter = Counter()
        let s = try runBatch(force: true, settings: ["v": 2], counter: counter)
        XCTAssertEqual(counter.count, 13)
        XCTAssertEqual(s.recordsInFolder, 13)
        XCTAssertNil(store.load(id: "old-only"))
        let csv = try String(contentsOf: out.appendingPathComponent("results.csv"), encoding: .utf8)
        XCTAssertEqual(csv.split(separator: "\n").first, "id,file,status,error,value,double,nested.half")
    }

    func testAppendKeepsBothSettingsTaggedAndResumes() throws {
        _ = try runBatch(settings: ["v": 1])
        let counter = Counter()
        let s = try runBatch(append: true, settings: ["v": 2], counter: counter)
        XCTAssertEqual(counter.count, 13)
        XCTAssertEqual(s.recordsInFolder, 26)
        let v2 = BatchOptions(outDir: out, settings: ["v": 2]).settingsHash
        let store = try ItemStore(outDir: out, create: false)
        let tagged = try XCTUnwrap(store.load(id: "n03.txt@" + v2.prefix(8)))
        XCTAssertEqual(tagged.settingsHash, v2)
        XCTAssertNotEqual(store.load(id: "n03.txt")?.settingsHash, v2, "the first run's record is kept")
        let csv = try String(contentsOf: out.appendingPathComponent("results.csv"), encoding: .utf8)
        XCTAssertEqual(csv.split(separator: "\n").first, "id,file,status,error,settings_hash,value,double,nested.half")
        XCTAssertTrue(csv.contains("n03.txt@\(v2.prefix(8)),in/n03.txt,ok,,\(v2),30,60,15"), csv)

        // Resuming the appended settings (run.json now names them) redoes nothing and overwrites nothing.
        let again = Counter()
        let r = try runBatch(settings: ["v": 2], counter: again)
        XCTAssertEqual(again.count, 1, "only the error row")
        XCTAssertEqual(r.recordsInFolder, 26)

        // A merge of the folder refuses the mix unless told.
        XCTAssertThrowsError(try OutputFolderMerge.merge(outDir: out)) { error in
            XCTAssertTrue("\(error)".contains("2 different settings (13 with settings"), "\(error)")
        }
        XCTAssertEqual(try OutputFolderMerge.merge(outDir: out, allowMixedSettings: true).records.count, 26)
    }

    func testShardsAreDisjointAndCoverAllItems() throws {
        let items = try InputCollector().collect([inputs.path])
        var seen: [String: Int] = [:]
        for k in 1...4 {
            let shard = Shard(index: k, count: 4)
            for item in items where shard.contains(item) { seen[item.id, default: 0] += 1 }
        }
        XCTAssertEqual(seen.count, items.count)
        XCTAssertTrue(seen.values.allSatisfy { $0 == 1 })

        // Shards written into one folder add up to the whole batch.
        var total = 0
        for k in 1...3 { total += try runBatch(shard: Shard(index: k, count: 3)).inShard }
        XCTAssertEqual(total, 13)
        XCTAssertEqual(try ItemStore(outDir: out, create: false).allRecords().records.count, 13)
    }

    func testStaleTemporariesFromAKilledRunAreRemovedAndNothingIsLost() throws {
        _ = try runBatch()
        let store = try ItemStore(outDir: out, create: false)
        // What a kill between write and rename leaves: a hidden temporary, and a missing item.
        let gone = Process()
        gone.executableURL = URL(fileURLWithPath: "/bin/true")
        try gone.run()
        gone.waitUntilExit()
        let tmp = store.itemsDir.appendingPathComponent(".n07.txt.json\(AtomicFile.temporaryMarker)\(gone.processIdentifier)-456")
        try "{\"id\": \"n0".write(to: tmp, atomically: false, encoding: .utf8)
        try FileManager.default.removeItem(at: store.url(for: "n07.txt"))
        let counter = Counter()
        let s = try runBatch(counter: counter)
        XCTAssertEqual(counter.count, 2, "the missing item and the error row")
        XCTAssertEqual(s.recordsInFolder, 13)
        XCTAssertFalse(FileManager.default.fileExists(atPath: tmp.path))
        XCTAssertNotNil(store.load(id: "n07.txt"))
    }

    func testRunFileKeepsTheHistoryOfInvocations() throws {
        _ = try runBatch()
        _ = try runBatch(force: true, shard: try Shard(parsing: "2/3"), settings: ["v": 2])
        let run = try JSONValue.parse(Data(contentsOf: out.appendingPathComponent("run.json")))
        XCTAssertEqual(run["settings"]?["v"]?.intValue, 2, "the top describes the last run")
        let history = try XCTUnwrap(run["history"]?.arrayValue)
        XCTAssertEqual(history.map { $0["shard"]?.stringValue }, ["1/1", "2/3"])
        XCTAssertEqual(history.map { $0["processed"]?.intValue }, [13, history[1]["in_shard"]?.intValue])
        XCTAssertEqual(history[0]["failed"]?.intValue, 1)
        XCTAssertNotEqual(history[0]["settings_hash"], history[1]["settings_hash"])
    }

    func testUnreadableInputBecomesErrorRow() throws {
        let items = [InputItem(path: inputs.appendingPathComponent("missing.txt").path, displayPath: "in/missing.txt", id: "m")]
        let (s, records) = try BatchRunner(options: BatchOptions(outDir: nil)).run(items, label: "t", work: work(Counter()))
        XCTAssertEqual(s.failed, 1)
        XCTAssertEqual(records.first?.error, "in/missing.txt: no such file")
    }
}
