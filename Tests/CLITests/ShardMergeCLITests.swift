// Shards writing separate folders (the cluster workflow: `--shard K/N` each into its own folder, then
// `reticle merge OUT SHARD...`) must agree on which shard holds an input and on the ids of inputs added
// later, though each sees only its own records; `merge` refuses what would still mix two files
// (issue 16: nothing lost or mixed in any run).
import Foundation
import Shared
import TestSupport
import XCTest

final class ShardMergeCLITests: XCTestCase {
    var dir: URL!

    override func setUp() { dir = makeTemporaryDirectory("reticle-shard-merge") }
    override func tearDown() { try? FileManager.default.removeItem(at: dir) }

    static let names = ["a", "b", "c", "d", "e", "f", "g", "h"].map { $0 + ".png" }

    /// `lab/YEAR/NAME` for every name, each image different (so no two files share contents).
    func makeYear(_ year: String, seed: Int) throws {
        let folder = dir.appendingPathComponent("lab/\(year)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        for (i, name) in Self.names.enumerated() {
            let w = 5 + i, h = 4 + seed
            let image = Image(width: w, height: h, channels: 1,
                              storage: .uint8((0..<(w * h)).map { UInt8(truncatingIfNeeded: $0 * (seed + 1) + i) }))
            try ImageFile.write(image, to: folder.appendingPathComponent(name).path)
        }
    }

    func inspect(_ out: URL, shard: String? = nil) throws {
        let lab = dir.appendingPathComponent("lab").path
        let r = try ReticleProcess.run(["inspect", lab, "--out", out.path, "--threads", "1", "--quiet"] + (shard.map { ["--shard", $0] } ?? []))
        XCTAssertEqual(r.status, 0, r.stderr)
    }

    /// Two shard folders, then same-named files added, both shards again, merged: every input exactly once,
    /// under the ids one unsharded folder gives them; the recorded files keep their ids and are not redone.
    func testShardsInSeparateFoldersAgreeOnIdsAfterInputsAreAdded() throws {
        try makeYear("2024", seed: 0)
        let shards = [dir.appendingPathComponent("shard1"), dir.appendingPathComponent("shard2")]
        let single = dir.appendingPathComponent("single")
        for (k, out) in shards.enumerated() { try inspect(out, shard: "\(k + 1)/2") }
        try inspect(single)
        XCTAssertEqual(try csvFilesByID(single), Dictionary(uniqueKeysWithValues: Self.names.map { ($0, "lab/2024/\($0)") }))

        try makeYear("2025", seed: 1)
        for (k, out) in shards.enumerated() {
            let before = try ItemStore(outDir: out, create: false).allRecords().records.map(\.id)
            try inspect(out, shard: "\(k + 1)/2")
            // The shard's earlier records are still there under their ids (not redone under longer ones).
            let after = Set(try ItemStore(outDir: out, create: false).allRecords().records.map(\.id))
            XCTAssertTrue(Set(before).isSubset(of: after), "\(before) → \(after)")
        }
        try inspect(single)
        var expected = Dictionary(uniqueKeysWithValues: Self.names.map { ($0, "lab/2024/\($0)") })
        for name in Self.names { expected["2025__" + name] = "lab/2025/\(name)" }
        XCTAssertEqual(try csvFilesByID(single), expected)

        let merged = dir.appendingPathComponent("merged")
        let m = try ReticleProcess.run(["merge", merged.path] + shards.map(\.path))
        XCTAssertEqual(m.status, 0, m.stderr)
        XCTAssertTrue(m.stdout.contains("merged 16 items (16 ok, 0 failed)"), m.stdout)
        XCTAssertEqual(try csvFilesByID(merged), expected, "the same ids as one unsharded folder, each file once")
        let records = try ItemStore(outDir: merged, create: false).allRecords().records
        XCTAssertEqual(Set(records.compactMap(\.pathKey)).count, 16, "16 different files")
    }

    /// Folders that recorded different input lists: one id held by two different files, and one file under
    /// two ids, are refused naming both records, and nothing is copied.
    func testMergeRefusesOneIdForTwoFilesAndOneFileUnderTwoIds() throws {
        try makeYear("2024", seed: 0)
        try makeYear("2025", seed: 1)
        let x = dir.appendingPathComponent("x"), y = dir.appendingPathComponent("y"), z = dir.appendingPathComponent("z")
        let a2024 = dir.appendingPathComponent("lab/2024/a.png").path, a2025 = dir.appendingPathComponent("lab/2025/a.png").path
        for (out, inputs) in [(x, [a2024]), (y, [a2025]), (z, [a2024, a2025])] {
            let r = try ReticleProcess.run(["inspect"] + inputs + ["--out", out.path, "--quiet"])
            XCTAssertEqual(r.status, 0, r.stderr)
        }
        let merged = dir.appendingPathComponent("merged")
        let clash = try ReticleProcess.run(["merge", merged.path, x.path, y.path])
        XCTAssertEqual(clash.status, 1, clash.stderr)
        XCTAssertTrue(clash.stderr.contains("two different files hold the id a.png: \(x.path)/items/a.png.json (a.png) and \(y.path)/items/a.png.json (a.png)"),
                      clash.stderr)
        XCTAssertFalse(FileManager.default.fileExists(atPath: merged.appendingPathComponent("results.csv").path))

        let twice = try ReticleProcess.run(["merge", merged.path, x.path, z.path])
        XCTAssertEqual(twice.status, 1, twice.stderr)
        XCTAssertTrue(twice.stderr.contains("one file is recorded under two ids: \(z.path)/items/2024__a.png.json (a.png) and \(x.path)/items/a.png.json (a.png)"),
                      twice.stderr)
        XCTAssertEqual((try? FileManager.default.contentsOfDirectory(atPath: merged.appendingPathComponent("items").path)) ?? [], [])

        // One folder with itself (a shard rerun): one item each, the later record kept.
        let same = try ReticleProcess.run(["merge", merged.path, z.path, z.path])
        XCTAssertEqual(same.status, 0, same.stderr)
        XCTAssertEqual(try csvFilesByID(merged), ["2024__a.png": "a.png", "2025__a.png": "a.png"])
    }
    /// A shard holding the older record of an item does not bring its outputs over the newer ones, whatever
    /// the order the shards are named in.
    func testOutputsComeFromTheShardWhoseRecordIsKept() throws {
        try makeYear("2024", seed: 0)
        let a = dir.appendingPathComponent("a"), b = dir.appendingPathComponent("b"), out = dir.appendingPathComponent("out")
        try inspect(a)
        try FileManager.default.copyItem(at: a, to: b)
        // b's records: the same items, finished earlier (as a shard's first run before a rerun elsewhere).
        let items = b.appendingPathComponent("items")
        for name in try FileManager.default.contentsOfDirectory(atPath: items.path) where name.hasSuffix(".json") {
            let url = items.appendingPathComponent(name)
            let text = try String(contentsOf: url, encoding: .utf8)
            let older = text.replacingOccurrences(of: #""finished_at"\s*:\s*"[^"]*""#, with: #""finished_at": "2000-01-01T00:00:00Z""#,
                                                  options: .regularExpression)
            XCTAssertNotEqual(older, text)
            try Data(older.utf8).write(to: url)
        }
        for (folder, text) in [(a, "newer"), (b, "older")] {
            let overlays = folder.appendingPathComponent("overlays")
            try FileManager.default.createDirectory(at: overlays, withIntermediateDirectories: true)
            try Data(text.utf8).write(to: overlays.appendingPathComponent("c.png-note.txt"))
            try Data(text.utf8).write(to: overlays.appendingPathComponent("slide-\(text).txt"))
        }
        let r = try ReticleProcess.run(["merge", out.path, a.path, b.path])
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertEqual(try String(contentsOf: out.appendingPathComponent("overlays/c.png-note.txt"), encoding: .utf8), "newer")
        // Files of no item are copied from every shard.
        for text in ["newer", "older"] {
            XCTAssertTrue(FileManager.default.fileExists(atPath: out.appendingPathComponent("overlays/slide-\(text).txt").path))
        }
        XCTAssertEqual(try csvFilesByID(out).count, 8)
    }
}
