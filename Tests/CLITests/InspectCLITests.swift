import Foundation
import Shared
import TestSupport
import XCTest

final class InspectCLITests: XCTestCase {
    var dir: URL!

    override func setUp() { dir = makeTemporaryDirectory("reticle-cli") }
    override func tearDown() { try? FileManager.default.removeItem(at: dir) }

    /// A small mixed folder: two good images and three bad files.
    func makeMixedFolder() throws -> URL {
        let lab = dir.appendingPathComponent("lab")
        try FileManager.default.createDirectory(at: lab.appendingPathComponent("sub"), withIntermediateDirectories: true)
        let gray = Image(width: 40, height: 30, channels: 1, storage: .uint8((0..<1200).map { UInt8($0 % 256) }),
                         calibration: Calibration(umPerPixel: 0.25, source: .flag))
        try ImageFile.write(gray, to: lab.appendingPathComponent("a.tif").path)
        let rgb16 = Image(width: 8, height: 6, channels: 3, storage: .uint16((0..<144).map { UInt16($0 * 400) }))
        try ImageFile.write(rgb16, to: lab.appendingPathComponent("sub/b.png").path)
        var png = try Data(contentsOf: lab.appendingPathComponent("sub/b.png"))
        png.count = 40
        try png.write(to: lab.appendingPathComponent("sub/truncated.png"))
        try Data("hello, not an image\n".utf8).write(to: lab.appendingPathComponent("notes.txt"))
        FileManager.default.createFile(atPath: lab.appendingPathComponent("empty.bmp").path, contents: Data())
        return lab
    }

    func testHelpListsCommands() throws {
        let r = try ReticleProcess.run(["--help"])
        XCTAssertEqual(r.status, 0)
        XCTAssertTrue(r.stdout.contains("inspect"))
        XCTAssertTrue(r.stdout.contains("merge"))
        let v = try ReticleProcess.run(["--version"])
        XCTAssertEqual(v.stdout.trimmingCharacters(in: .whitespacesAndNewlines), ReticleVersion.string)
    }

    func testInspectReportsGoodFilesAndErrorRowsForBadOnes() throws {
        let lab = try makeMixedFolder()
        let r = try ReticleProcess.run(["inspect", lab.path, "--json"])
        XCTAssertEqual(r.status, 2, "some items failed → exit 2; stderr: \(r.stderr)")
        let rows = try XCTUnwrap(JSONValue.parse(r.stdout).arrayValue)
        XCTAssertEqual(rows.map { $0["file"]?.stringValue ?? "" },
                       ["lab/a.tif", "lab/empty.bmp", "lab/sub/b.png", "lab/sub/truncated.png"])
        XCTAssertTrue(r.stderr.contains("inspect: skipped 1 file(s) not of a format Reticle reads: lab/notes.txt (--all-files takes them)"), r.stderr)
        let byFile = Dictionary(uniqueKeysWithValues: rows.map { ($0["file"]!.stringValue!, $0) })

        let a = try XCTUnwrap(byFile["lab/a.tif"])
        XCTAssertEqual(a["status"], "ok")
        XCTAssertEqual(a["kind"], "image")
        XCTAssertEqual(a["width"]?.intValue, 40)
        XCTAssertEqual(a["height"]?.intValue, 30)
        XCTAssertEqual(a["bit_depth"]?.intValue, 8)
        XCTAssertEqual(a["calibration"]?["um_per_px_x"]?.doubleValue ?? 0, 0.25, accuracy: 1e-6)
        XCTAssertEqual(a["calibration"]?["source"], "tiff-resolution")

        let b = try XCTUnwrap(byFile["lab/sub/b.png"])
        XCTAssertEqual(b["channels"]?.intValue, 3)
        XCTAssertEqual(b["bit_depth"]?.intValue, 16)

        for bad in ["lab/empty.bmp", "lab/sub/truncated.png"] {
            let row = try XCTUnwrap(byFile[bad])
            XCTAssertEqual(row["status"], "error", bad)
            let message = row["error"]?.stringValue ?? ""
            XCTAssertTrue(message.contains((bad as NSString).lastPathComponent), "error names the file: \(message)")
        }
        XCTAssertTrue(byFile["lab/empty.bmp"]!["error"]!.stringValue!.hasSuffix("file is empty"))

        // Asked to take every file, the notes are an error row; named on the command line, too.
        for args in [[lab.path, "--all-files"], [lab.appendingPathComponent("notes.txt").path]] {
            let all = try ReticleProcess.run(["inspect"] + args + ["--json"])
            XCTAssertEqual(all.status, 2, all.stderr)
            let notes = try XCTUnwrap(JSONValue.parse(all.stdout).arrayValue?.first { $0["file"]?.stringValue?.hasSuffix("notes.txt") == true })
            XCTAssertTrue(notes["error"]?.stringValue?.contains("not a file Reticle reads") == true, "\(notes)")
        }

        // Nothing to do is a usage error naming what was asked.
        let none = try ReticleProcess.run(["inspect", lab.path, "--include", "*.svs"])
        XCTAssertEqual(none.status, 1, none.stderr)
        XCTAssertTrue(none.stderr.contains("no inputs matched \(lab.path) with --include *.svs"), none.stderr)
    }

    func testOutputFolderResumeForceShardsAndMerge() throws {
        let lab = try makeMixedFolder()
        let out = dir.appendingPathComponent("out")
        let first = try ReticleProcess.run(["inspect", lab.path, "--out", out.path, "--quiet"])
        XCTAssertEqual(first.status, 2)
        let items = try FileManager.default.contentsOfDirectory(atPath: out.appendingPathComponent("items").path).sorted()
        XCTAssertEqual(items, ["a.tif.json", "b.png.json", "empty.bmp.json",
                               "truncated.png.json"])
        let csv = try String(contentsOf: out.appendingPathComponent("results.csv"), encoding: .utf8)
        XCTAssertTrue(csv.hasPrefix("id,file,status,error,kind,format,width,height"), csv)

        let again = try ReticleProcess.run(["inspect", lab.path, "--out", out.path])
        XCTAssertTrue(again.stderr.contains("4 items, 2 ok, 2 failed, 2 already done"), again.stderr)
        // The same file named another way (on its own, through the folder above, through a list)
        // is the same item: resumed, not graded twice.
        let list = dir.appendingPathComponent("list.txt")
        try "lab/a.tif\n".write(to: list, atomically: true, encoding: .utf8)
        for args in [[lab.appendingPathComponent("a.tif").path], ["@" + list.path], [dir.path, "--include", "a.tif"]] {
            let named = try ReticleProcess.run(["inspect"] + args + ["--out", out.path])
            XCTAssertTrue(named.stderr.contains("1 items, 1 ok, 0 failed, 1 already done"), "\(args): \(named.stderr)")
        }
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: out.appendingPathComponent("items").path).count, 4)
        let forced = try ReticleProcess.run(["inspect", lab.path, "--out", out.path, "--force"])
        XCTAssertFalse(forced.stderr.contains("already done"), forced.stderr)

        // Two shards into two folders, copied together, merged: every item exactly once.
        var shardItems: [String] = []
        let merged = dir.appendingPathComponent("merged/items")
        try FileManager.default.createDirectory(at: merged, withIntermediateDirectories: true)
        for k in 1...2 {
            let o = dir.appendingPathComponent("shard\(k)")
            try ReticleProcess.run(["inspect", lab.path, "--out", o.path, "--shard", "\(k)/2", "--quiet"])
            for name in try FileManager.default.contentsOfDirectory(atPath: o.appendingPathComponent("items").path) {
                shardItems.append(name)
                try FileManager.default.copyItem(at: o.appendingPathComponent("items/\(name)"), to: merged.appendingPathComponent(name))
            }
        }
        XCTAssertEqual(shardItems.sorted(), items)
        let m = try ReticleProcess.run(["merge", merged.deletingLastPathComponent().path])
        XCTAssertEqual(m.status, 2, "error rows present → 2")
        XCTAssertTrue(m.stdout.contains("merged 4 items (2 ok, 2 failed)"), m.stdout)
        let mergedCSV = try String(contentsOf: merged.deletingLastPathComponent().appendingPathComponent("results.csv"), encoding: .utf8)
        XCTAssertEqual(mergedCSV.split(separator: "\n").count, 5)

        let usage = try ReticleProcess.run(["inspect", lab.path, "--shard", "3/2"])
        XCTAssertEqual(usage.status, 1, "usage error → 1")
        XCTAssertTrue(usage.stderr.contains("--shard wants K/N"), usage.stderr)
        let missing = try ReticleProcess.run(["inspect", dir.appendingPathComponent("nope").path])
        XCTAssertEqual(missing.status, 1)
        XCTAssertTrue(missing.stderr.contains("nope: no such file or folder"), missing.stderr)
    }

    func testKilledRunLosesNothingAndLeavesNoPartialItem() throws {
        let many = dir.appendingPathComponent("many")
        try FileManager.default.createDirectory(at: many, withIntermediateDirectories: true)
        let img = Image(width: 64, height: 64, channels: 1, storage: .uint8(Array(repeating: 7, count: 4096)))
        for i in 0..<300 { try ImageFile.write(img, to: many.appendingPathComponent(String(format: "m%03d.png", i)).path) }
        let out = dir.appendingPathComponent("out")

        let (p, _, _) = try ReticleProcess.start(["inspect", many.path, "--out", out.path, "--threads", "1", "--quiet"])
        let itemsDir = out.appendingPathComponent("items")
        // Kill once some items exist, before the run can finish.
        let deadline = Date().addingTimeInterval(20)
        while Date() < deadline {
            let n = (try? FileManager.default.contentsOfDirectory(atPath: itemsDir.path).count) ?? 0
            if n >= 20 { break }
            usleep(2000)
        }
        kill(p.processIdentifier, SIGKILL)
        p.waitUntilExit()

        let names = try FileManager.default.contentsOfDirectory(atPath: itemsDir.path)
        let finished = names.filter { !$0.hasPrefix(".") }
        XCTAssertGreaterThan(finished.count, 0)
        for name in finished {
            let data = try Data(contentsOf: itemsDir.appendingPathComponent(name))
            XCTAssertNoThrow(try ItemRecord(json: JSONValue.parse(data)), "\(name) is a complete record")
        }

        let rerun = try ReticleProcess.run(["inspect", many.path, "--out", out.path])
        XCTAssertEqual(rerun.status, 0, rerun.stderr)
        XCTAssertTrue(rerun.stderr.contains("300 items, 300 ok, 0 failed, \(finished.count) already done"), rerun.stderr)
        let after = try FileManager.default.contentsOfDirectory(atPath: itemsDir.path)
        XCTAssertEqual(after.count, 300, "no temporaries left: \(after.filter { $0.hasPrefix(".") })")
    }
}
