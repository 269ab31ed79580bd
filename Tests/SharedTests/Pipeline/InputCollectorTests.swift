import Foundation
@testable import Shared
import TestSupport
import XCTest

final class InputCollectorTests: XCTestCase {
    func testFoldersListsGlobsAndIDs() throws {
        let dir = makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let root = dir.appendingPathComponent("lab")
        let fm = FileManager.default
        try fm.createDirectory(at: root.appendingPathComponent("sub/deeper"), withIntermediateDirectories: true)
        for p in ["a.tif", "b.png", ".hidden.tif", "sub/c d.tif", "sub/deeper/e.tif", "notes.txt"] {
            fm.createFile(atPath: root.appendingPathComponent(p).path, contents: Data([1]))
        }

        let all = try InputCollector().collect([root.path])
        XCTAssertEqual(all.map(\.displayPath), ["lab/a.tif", "lab/b.png", "lab/notes.txt", "lab/sub/c d.tif", "lab/sub/deeper/e.tif"])
        XCTAssertEqual(all.map(\.id), ["a.tif", "b.png", "notes.txt", "c_d.tif", "e.tif"])

        let tifs = try InputCollector(include: ["*.tif"], exclude: ["sub/deeper/*"]).collect([root.path])
        XCTAssertEqual(tifs.map(\.displayPath), ["lab/a.tif", "lab/sub/c d.tif"])

        let flat = try InputCollector(recursive: false).collect([root.path])
        XCTAssertEqual(flat.count, 3)

        // A list file: relative to its folder, comments skipped; the same file twice counts once.
        let list = root.appendingPathComponent("list.txt")
        try "# images\na.tif\n\nsub/c d.tif\n\(root.path)/a.tif\n".write(to: list, atomically: true, encoding: .utf8)
        let listed = try InputCollector().collect(["@" + list.path])
        XCTAssertEqual(listed.map(\.displayPath).sorted(), ["\(root.path)/a.tif", "sub/c d.tif"].sorted())
        XCTAssertEqual(listed.count, 2)

        XCTAssertThrowsError(try InputCollector().collect([root.appendingPathComponent("nope").path])) { e in
            XCTAssertTrue("\(e)".hasSuffix("nope: no such file or folder"))
        }
    }

    func testIDsDoNotDependOnHowAFileIsNamed() throws {
        let dir = makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let fm = FileManager.default
        for p in ["lab/a.tif", "lab/x/b.tif", "lab/y/b.tif", "other/x/b.tif", "lab/dicom/f1.dcm"] {
            try fm.createDirectory(at: dir.appendingPathComponent(p).deletingLastPathComponent(), withIntermediateDirectories: true)
            fm.createFile(atPath: dir.appendingPathComponent(p).path, contents: Data(p.utf8))
        }
        let lab = dir.appendingPathComponent("lab")
        try fm.createSymbolicLink(at: dir.appendingPathComponent("link"), withDestinationURL: lab)
        let list = dir.appendingPathComponent("list.txt")
        try "lab/a.tif\n".write(to: list, atomically: true, encoding: .utf8)
        let a = lab.appendingPathComponent("a.tif").path
        for args in [[a], [lab.path], [dir.path], ["@" + list.path], [dir.appendingPathComponent("link").path],
                     [dir.appendingPathComponent("lab/x/../a.tif").path]] {
            let item = try XCTUnwrap(InputCollector(include: ["a.tif"]).collect(args).first, "\(args)")
            XCTAssertEqual(item.id, "a.tif", "\(args)")
        }

        // One name, several files: each gets the parent folders that tell it apart, wherever it was found.
        let ids = try InputCollector(include: ["b.tif"]).collect([dir.path]).map(\.id)
        XCTAssertEqual(ids.sorted(), ["lab__x__b.tif", "other__x__b.tif", "y__b.tif"])
        XCTAssertEqual(try InputCollector().collect([lab.appendingPathComponent("y/b.tif").path]).map(\.id), ["b.tif"])

        // The first file of a multi-file object is named after its folder too.
        var collector = InputCollector(include: ["*.dcm"])
        collector.partOf = { $0.hasSuffix(".dcm") ? "series" : nil }
        XCTAssertEqual(try collector.collect([lab.path]).map(\.id), ["dicom__f1.dcm"])
    }

    /// Into a folder that records inputs, ids do not depend on the run's other inputs: a recorded input
    /// keeps its record's id, and new inputs never take an id a record holds.
    func testRecordedInputsKeepTheirIDsAndNewOnesAvoidThem() throws {
        let dir = makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let fm = FileManager.default
        for p in ["lab1/a.tif", "lab2/a.tif"] {
            try fm.createDirectory(at: dir.appendingPathComponent(p).deletingLastPathComponent(), withIntermediateDirectories: true)
            fm.createFile(atPath: dir.appendingPathComponent(p).path, contents: Data(p.utf8))
        }
        let a1 = dir.appendingPathComponent("lab1/a.tif").path, a2 = dir.appendingPathComponent("lab2/a.tif").path
        let both = [(path: a1, display: "lab1/a.tif"), (path: a2, display: "lab2/a.tif")]
        func key(_ path: String) -> String { RecordedInput.pathKey(URL(fileURLWithPath: path).standardizedFileURL.resolvingSymlinksInPath().path) }
        func record(_ id: String, _ path: String?, hash: String = "h") -> RecordedInput {
            RecordedInput(id: id, pathKey: path.map(key), inputHash: hash, name: "a.tif")
        }
        let noHash: (String) -> String? = { XCTFail("no fingerprint needed for \($0)"); return nil }
        func ids(_ found: [(path: String, display: String)], _ recorded: [RecordedInput],
                 fingerprint: @escaping (String) -> String? = noHash) -> [String] {
            InputCollector.assignIDs(found, recorded: recorded, fingerprint: fingerprint).map(\.id)
        }

        XCTAssertEqual(ids(both, []), ["lab1__a.tif", "lab2__a.tif"], "a fresh folder: as before")
        XCTAssertEqual(ids(both, [record("a.tif", a1)]), ["a.tif", "lab2__a.tif"])
        XCTAssertEqual(ids(both, [record("a.tif", a2)]), ["lab1__a.tif", "a.tif"])
        XCTAssertEqual(ids([both[0]], [record("lab1__a.tif", a1), record("lab2__a.tif", a2)]), ["lab1__a.tif"])
        // A record of other settings in an appended folder stands for the same input.
        let tagged = ItemRecord(id: "a.tif@0123abcd", file: "lab1/a.tif", status: .ok, inputHash: "h", settingsHash: "s",
                                elapsedSeconds: 0, finishedAt: "", pathKey: key(a1))
        XCTAssertEqual(RecordedInput(try ItemRecord(json: tagged.json)), record("a.tif", a1))
        XCTAssertEqual(ids(both, [RecordedInput(tagged)]), ["a.tif", "lab2__a.tif"])
        XCTAssertEqual(RecordedInput.pathKey("/x/a.tif").count, 16)

        // A record of another file of that name (gone from this run): a new input does not take its id...
        let elsewhere = record("a.tif", "/elsewhere/a.tif", hash: "old")
        XCTAssertEqual(ids([both[1]], [elsewhere], fingerprint: { _ in "new" }), ["lab2__a.tif"])
        // ... unless it is that file, moved (same fingerprint).
        XCTAssertEqual(ids([both[1]], [elsewhere], fingerprint: { _ in "old" }), ["a.tif"])
        // Taken at every depth of its path: a hash of the path.
        let deep = ids([both[1]], [elsewhere, record("lab2__a.tif", "/elsewhere/lab2/a.tif", hash: "old"),
                                   record(ItemID.make(from: dir.lastPathComponent + "/lab2/a.tif"), "/y/\(dir.lastPathComponent)/lab2/a.tif")],
                       fingerprint: { _ in "new" })
        XCTAssertEqual(deep.count, 1)
        XCTAssertTrue(deep[0].contains("__lab2__a.tif"), deep[0])
        XCTAssertFalse(["a.tif", "lab2__a.tif", ItemID.make(from: dir.lastPathComponent + "/lab2/a.tif")].contains(deep[0]), deep[0])

        // Records of versions before path keys: the same id as those versions gave, without hashing...
        XCTAssertEqual(ids([both[0]], [record("a.tif", nil)]), ["a.tif"])
        // ... and a file that joined them: the recorded one found by its fingerprint.
        XCTAssertEqual(ids(both, [record("a.tif", nil, hash: "lab2")], fingerprint: { $0 == a2 ? "lab2" : "lab1" }),
                       ["lab1__a.tif", "a.tif"])
    }

    func testCollidingIDsAreMadeUnique() {
        let items = InputCollector.assignIDs([(path: "/x/a b.tif", display: "a b.tif"), (path: "/x/a_b.tif", display: "a_b.tif")])
        XCTAssertEqual(Set(items.map(\.id)).count, 2)
        XCTAssertEqual(items[0].id, "a_b.tif")
        XCTAssertTrue(items[1].id.hasPrefix("a_b.tif~"))
    }

    func testShardParsing() throws {
        XCTAssertEqual(try Shard(parsing: "2/5"), Shard(index: 2, count: 5))
        for bad in ["0/3", "4/3", "x/2", "1", "1/0"] {
            XCTAssertThrowsError(try Shard(parsing: bad), bad)
        }
        XCTAssertEqual(ItemID.stableHash("abc"), 0xe71f_a219_0541_574b, "FNV-1a 64 must not change between releases")
    }
}

final class InputSelectionTests: XCTestCase {
    func testScannedFilesOfUnknownFormatsAreSkippedNamedFilesAndMissingListEntriesKept() throws {
        let dir = makeTemporaryDirectory("reticle-select")
        defer { try? FileManager.default.removeItem(at: dir) }
        let lab = dir.appendingPathComponent("lab")
        try FileManager.default.createDirectory(at: lab, withIntermediateDirectories: true)
        for name in ["a.img", "b.img", "notes.txt", "Thumbs.db"] {
            try Data(name.utf8).write(to: lab.appendingPathComponent(name))
        }
        let list = dir.appendingPathComponent("list.txt")
        try "lab/a.img\nlab/gone.img\n# comment\n".write(to: list, atomically: true, encoding: .utf8)
        let collector = InputCollector(accepts: { $0.hasSuffix(".img") })

        let folder = try collector.select([lab.path])
        XCTAssertEqual(folder.items.map(\.displayPath), ["lab/a.img", "lab/b.img"])
        XCTAssertEqual(folder.skipped, ["lab/Thumbs.db", "lab/notes.txt"])

        let named = try collector.select([lab.appendingPathComponent("notes.txt").path, "@" + list.path])
        XCTAssertEqual(named.items.map(\.displayPath), ["lab/a.img", "lab/gone.img", "notes.txt"],
                       "a named file is taken; a missing list entry stays an item (its row says so)")
        XCTAssertEqual(named.skipped, [])

        XCTAssertThrowsError(try InputCollector(include: ["*.tif"]).select([lab.path]).requireItems([lab.path], include: ["*.tif"])) {
            XCTAssertEqual(($0 as? ReticleError)?.kind, .usage)
            XCTAssertEqual(($0 as? ReticleError)?.reason, "no inputs matched \(lab.path) with --include *.tif")
        }
        let none = try InputCollector(accepts: { _ in false }).select([lab.path])
        XCTAssertThrowsError(try none.requireItems([lab.path])) {
            XCTAssertEqual(($0 as? ReticleError)?.reason,
                           "no inputs matched \(lab.path); 4 file(s) skipped as not of a format Reticle reads (--all-files takes them)")
        }
    }

    func testMissingListEntryIsAnErrorRowAndTheRunGoesOn() throws {
        let dir = makeTemporaryDirectory("reticle-select")
        defer { try? FileManager.default.removeItem(at: dir) }
        try "7".write(to: dir.appendingPathComponent("here.txt"), atomically: true, encoding: .utf8)
        let list = dir.appendingPathComponent("list.txt")
        try "here.txt\ngone.txt\n".write(to: list, atomically: true, encoding: .utf8)
        let items = try InputCollector().collect(["@" + list.path])
        let (summary, records) = try BatchRunner(options: BatchOptions(outDir: nil)).run(items, label: "t") { item in
            ["n": .string(try String(contentsOfFile: item.path, encoding: .utf8))]
        }
        XCTAssertEqual(summary.failed, 1)
        XCTAssertEqual(records.map(\.status), [.error, .ok])
        XCTAssertEqual(records[0].error, "gone.txt: no such file")
    }
}
