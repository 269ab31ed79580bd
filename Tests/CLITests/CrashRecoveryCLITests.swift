// A file that takes the process down in the middle of a batch (a decoder fault, a trap) must not
// take the batch with it: the next run records that file as an error row naming it, finishes the
// rest and writes the tables; --retry-crashed tries it again. Faults are injected
// (RETICLE_INJECT_FAULT), so the test does not depend on a bug that a fix would remove.
import Foundation
import Shared
import TestSupport
import XCTest

final class CrashRecoveryCLITests: XCTestCase {
    var dir: URL!

    override func setUp() { dir = makeTemporaryDirectory("reticle-crash") }
    override func tearDown() { try? FileManager.default.removeItem(at: dir) }

    func makeFolder() throws -> URL {
        let lab = dir.appendingPathComponent("lab")
        try FileManager.default.createDirectory(at: lab, withIntermediateDirectories: true)
        for (i, name) in ["a.png", "b.png", "c.png"].enumerated() {
            let image = Image(width: 6 + i, height: 5, channels: 1, storage: .uint8([UInt8](repeating: UInt8(40 * i), count: (6 + i) * 5)))
            try ImageFile.write(image, to: lab.appendingPathComponent(name).path)
        }
        return lab
    }

    func rows(_ out: URL) throws -> [String: [String: String]] {
        let text = try String(contentsOf: out.appendingPathComponent("results.csv"), encoding: .utf8)
        let lines = text.split(separator: "\n").map(String.init)
        let header = lines[0].split(separator: ",", omittingEmptySubsequences: false).map(String.init)
        var byFile: [String: [String: String]] = [:]
        for line in lines.dropFirst() {
            let cells = line.split(separator: ",", omittingEmptySubsequences: false).map(String.init)
            let row = Dictionary(uniqueKeysWithValues: zip(header, cells))
            byFile[row["file"] ?? ""] = row
        }
        return byFile
    }

    /// The newest entry of run.json's invocation history.
    func lastInvocation(_ out: URL) throws -> JSONValue {
        let run = try JSONValue.parse(Data(contentsOf: out.appendingPathComponent("run.json")))
        return try XCTUnwrap(run["history"]?.arrayValue?.last)
    }

    func check(fault: String, signal: String, status: Int32) throws {
        let lab = try makeFolder()
        let out = dir.appendingPathComponent("out-\(fault)")
        let args = ["inspect", lab.path, "--out", out.path, "--threads", "1", "--quiet"]
        let env = ["RETICLE_INJECT_FAULT": "\(fault):b.png", "SWIFT_BACKTRACE": "enable=no"]

        let crashed = try ReticleProcess.run(args, environment: env)
        XCTAssertEqual(crashed.status, status, crashed.stderr)
        XCTAssertTrue(crashed.stderr.contains("reticle: the process died (\(signal)) while processing lab/b.png"), crashed.stderr)
        XCTAssertTrue(FileManager.default.fileExists(atPath: out.appendingPathComponent("items/a.png.json").path))

        // The same fault still planned: the culprit is not tried again, the rest finishes.
        let next = try ReticleProcess.run(args, environment: env)
        XCTAssertEqual(next.status, 2, next.stderr)
        let table = try rows(out)
        XCTAssertEqual(table.count, 3)
        XCTAssertEqual(table["lab/a.png"]?["status"], "ok")
        XCTAssertEqual(table["lab/c.png"]?["status"], "ok")
        XCTAssertEqual(table["lab/b.png"]?["status"], "error")
        let b = try XCTUnwrap(ItemStore(outDir: out, create: false).load(id: "b.png"))
        XCTAssertEqual(b.result[ItemRecord.crashKey], .string(signal))
        XCTAssertEqual(b.error, "lab/b.png: the process died (\(signal)) while processing this file in an earlier run; not tried again (rerun with --retry-crashed to try it)")
        XCTAssertFalse(FileManager.default.fileExists(atPath: out.appendingPathComponent(".running").path), "no item in flight")

        // A plain rerun keeps the row (exit 2, nothing redone); --retry-crashed tries it again.
        let again = try ReticleProcess.run(args)
        XCTAssertEqual(again.status, 2, again.stderr)
        XCTAssertEqual(try rows(out)["lab/b.png"]?["status"], "error")
        let retried = try ReticleProcess.run(args + ["--retry-crashed"])
        XCTAssertEqual(retried.status, 0, retried.stderr)
        XCTAssertEqual(try rows(out)["lab/b.png"]?["status"], "ok")
    }

    func testSegmentationFaultInTheMiddleOfABatch() throws {
        try check(fault: "segv", signal: "SIGSEGV", status: 11)
    }

    func testStackOverflowInTheMiddleOfABatch() throws {
        try check(fault: "stack", signal: "SIGSEGV", status: 11)
    }

    func testSwiftTrapInTheMiddleOfABatch() throws {
        try check(fault: "trap", signal: "SIGILL", status: 4)
    }

    /// A full disk while saving one item's record: the run fails naming that file and the reason,
    /// the other items and the tables land, no temporary is left behind, and the rerun (space
    /// back) redoes only the lost item.
    func testFullDiskLosesNothingAndTheRerunCompletes() throws {
        let lab = try makeFolder()
        let out = dir.appendingPathComponent("out-enospc")
        let args = ["inspect", lab.path, "--out", out.path, "--threads", "1", "--quiet"]
        let full = try ReticleProcess.run(args, environment: ["RETICLE_INJECT_FAULT": "enospc:b.png.json"])
        XCTAssertEqual(full.status, 1, full.stderr)
        XCTAssertTrue(full.stderr.contains("items/b.png.json: cannot write: No space left on device"), full.stderr)
        let table = try rows(out)
        XCTAssertEqual(Set(table.keys), ["lab/a.png", "lab/c.png"], "the items that landed are in the table")
        let leftovers = FileManager.default.enumerator(atPath: out.path)!.compactMap { $0 as? String }
            .filter { $0.contains(AtomicFile.temporaryMarker) }
        XCTAssertEqual(leftovers, [], "no half-written temporary stays")
        XCTAssertNil(try ItemStore(outDir: out, create: false).load(id: "b.png"))

        let rerun = try ReticleProcess.run(args)
        XCTAssertEqual(rerun.status, 0, rerun.stderr)
        XCTAssertEqual(try lastInvocation(out)["processed"]?.intValue, 1, "only the lost item is redone")
        XCTAssertEqual(try rows(out).mapValues { $0["status"] ?? "" }, ["lab/a.png": "ok", "lab/b.png": "ok", "lab/c.png": "ok"])
    }

    /// An input deleted after the run listed it: an error row naming it and the reason; the others
    /// finish; once the file is back, a rerun does only that item.
    func testInputVanishingMidRunIsAnErrorRowAndTheRestFinishes() throws {
        let lab = try makeFolder()
        let keep = try Data(contentsOf: lab.appendingPathComponent("b.png"))
        let out = dir.appendingPathComponent("out-vanish")
        let args = ["inspect", lab.path, "--out", out.path, "--threads", "1", "--quiet"]
        let run = try ReticleProcess.run(args, environment: ["RETICLE_INJECT_FAULT": "vanish:b.png"])
        XCTAssertEqual(run.status, 2, run.stderr)
        let table = try rows(out)
        XCTAssertEqual(table.mapValues { $0["status"] ?? "" }, ["lab/a.png": "ok", "lab/b.png": "error", "lab/c.png": "ok"])
        let b = try XCTUnwrap(ItemStore(outDir: out, create: false).load(id: "b.png"))
        XCTAssertTrue(b.error?.hasSuffix("lab/b.png: no such file") == true, b.error ?? "")

        try keep.write(to: lab.appendingPathComponent("b.png"))
        let rerun = try ReticleProcess.run(args)
        XCTAssertEqual(rerun.status, 0, rerun.stderr)
        XCTAssertEqual(try lastInvocation(out)["processed"]?.intValue, 1, "only the error row is redone")
        XCTAssertEqual(try rows(out)["lab/b.png"]?["status"], "ok")
    }

    /// Every temporary left anywhere under `out` (there must be none).
    func temporaries(_ out: URL) -> [String] {
        (FileManager.default.enumerator(atPath: out.path)?.compactMap { $0 as? String } ?? [])
            .filter { $0.contains(AtomicFile.temporaryMarker) }
    }

    /// An output folder that cannot be written (injected: tests run as root, where chmod blocks no
    /// write) is found before any item runs: exit 1, the folder and the reason named, nothing in it
    /// changed. A folder that cannot even be created says so the same way.
    func testReadOnlyOutputFolderIsRefusedBeforeAnyItemRuns() throws {
        let lab = try makeFolder()
        let fresh = dir.appendingPathComponent("out-new")
        let args = { (out: URL) in ["inspect", lab.path, "--out", out.path, "--threads", "1", "--quiet"] }
        let uncreatable = try ReticleProcess.run(args(fresh), environment: ["RETICLE_INJECT_FAULT": "readonly:*/out-new"])
        XCTAssertEqual(uncreatable.status, 1, uncreatable.stderr)
        XCTAssertEqual(uncreatable.stderr, "reticle: \(fresh.path): cannot create the output folder: Read-only file system\n")
        XCTAssertFalse(FileManager.default.fileExists(atPath: fresh.path))

        let out = dir.appendingPathComponent("out-ro")
        XCTAssertEqual(try ReticleProcess.run(args(out)).status, 0)
        let before = try Data(contentsOf: out.appendingPathComponent("results.csv"))
        let runFile = try Data(contentsOf: out.appendingPathComponent("run.json"))
        // A new input that a writable folder would take at once.
        try Data(contentsOf: lab.appendingPathComponent("a.png")).write(to: lab.appendingPathComponent("d.png"))
        for (fault, reason) in [("readonly", "Read-only file system"), ("eacces", "Permission denied")] {
            let refused = try ReticleProcess.run(args(out), environment: ["RETICLE_INJECT_FAULT": "\(fault):*/out-ro/*"])
            XCTAssertEqual(refused.status, 1, refused.stderr)
            XCTAssertEqual(refused.stderr, "reticle: \(out.path): the output folder cannot be written: \(reason)\n")
            XCTAssertEqual(refused.stdout, "", "no item ran")
        }
        // Only items/ refused: named as such.
        let items = try ReticleProcess.run(args(out), environment: ["RETICLE_INJECT_FAULT": "eacces:*/out-ro/items/*"])
        XCTAssertEqual(items.status, 1, items.stderr)
        XCTAssertEqual(items.stderr, "reticle: \(out.path)/items: the output folder cannot be written: Permission denied\n")
        XCTAssertEqual(try Data(contentsOf: out.appendingPathComponent("results.csv")), before)
        XCTAssertEqual(try Data(contentsOf: out.appendingPathComponent("run.json")), runFile, "no invocation recorded")
        XCTAssertNil(try ItemStore(outDir: out, create: false).load(id: "d.png"))
        XCTAssertEqual(temporaries(out), [])
        XCTAssertFalse(FileManager.default.fileExists(atPath: out.appendingPathComponent(".running").path))

        let writable = try ReticleProcess.run(args(out))
        XCTAssertEqual(writable.status, 0, writable.stderr)
        XCTAssertEqual(try lastInvocation(out)["processed"]?.intValue, 1, "only the new input")
        XCTAssertEqual(try rows(out).mapValues { $0["status"] ?? "" },
                       ["lab/a.png": "ok", "lab/b.png": "ok", "lab/c.png": "ok", "lab/d.png": "ok"])
    }

    /// Commands that write overlays make `overlays/` only after the output folder's write check and
    /// through the same checked path: a read-only `--out` without it is named as such (exit 1) and
    /// nothing is made in it, and a read-only `overlays/` is named itself.
    func testOverlaysFolderIsMadeOnlyAfterTheWriteCheck() throws {
        let lab = try makeFolder()
        let grainsize = { (out: URL) in ["micro", "grainsize", lab.path, "--um-per-px", "0.5", "--out", out.path, "--threads", "1", "--quiet"] }
        // A folder that cannot be created: nothing of it appears (overlays/ was made first before).
        let fresh = dir.appendingPathComponent("out-gnew")
        let uncreatable = try ReticleProcess.run(grainsize(fresh), environment: ["RETICLE_INJECT_FAULT": "readonly:*/out-gnew"])
        XCTAssertEqual(uncreatable.status, 1, uncreatable.stderr)
        XCTAssertEqual(uncreatable.stderr, "reticle: \(fresh.path): cannot create the output folder: Read-only file system\n")
        XCTAssertFalse(FileManager.default.fileExists(atPath: fresh.path))

        let out = dir.appendingPathComponent("out-g")
        let first = try ReticleProcess.run(grainsize(out))
        XCTAssertNotEqual(first.status, 1, first.stderr)
        let overlays = out.appendingPathComponent("overlays")
        XCTAssertTrue(FileManager.default.fileExists(atPath: overlays.path))
        try FileManager.default.removeItem(at: overlays)
        let listing = try FileManager.default.contentsOfDirectory(atPath: out.path).sorted()
        for (fault, reason) in [("readonly", "Read-only file system"), ("eacces", "Permission denied")] {
            let refused = try ReticleProcess.run(grainsize(out), environment: ["RETICLE_INJECT_FAULT": "\(fault):*/out-g/*"])
            XCTAssertEqual(refused.status, 1, refused.stderr)
            XCTAssertEqual(refused.stderr, "reticle: \(out.path): the output folder cannot be written: \(reason)\n")
            XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: out.path).sorted(), listing, "nothing made in the folder")
        }
        // Only overlays/ refused: named itself, before any item runs.
        try FileManager.default.createDirectory(at: overlays, withIntermediateDirectories: false)
        let sub = try ReticleProcess.run(grainsize(out), environment: ["RETICLE_INJECT_FAULT": "readonly:*/out-g/overlays/*"])
        XCTAssertEqual(sub.status, 1, sub.stderr)
        XCTAssertEqual(sub.stderr, "reticle: \(overlays.path): the output folder cannot be written: Read-only file system\n")
        XCTAssertEqual(sub.stdout, "", "no item ran")

        // micro grade the same way (its overlays hold thumbnails).
        let model = Corpus.projectRoot.appendingPathComponent("fixtures/models/steel-demo.safetensors").path
        let graded = dir.appendingPathComponent("out-grade")
        try FileManager.default.createDirectory(at: graded.appendingPathComponent("items"), withIntermediateDirectories: true)
        let grade = try ReticleProcess.run(["micro", "grade", lab.path, "--um-per-px", "0.5", "--model", model, "--out", graded.path, "--quiet"],
                                           environment: ["RETICLE_INJECT_FAULT": "readonly:*/out-grade/*"])
        XCTAssertEqual(grade.status, 1, grade.stderr)
        XCTAssertEqual(grade.stderr, "reticle: \(graded.path): the output folder cannot be written: Read-only file system\n")
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: graded.path), ["items"])
    }

    /// A record that cannot be written mid-run (the folder turned read-only for that file): the run
    /// fails naming the file and the reason, the other items and the tables land, no temporary
    /// or in-flight marker stays, and two such runs do not blame the item as a crash; the rerun
    /// after the fault redoes only that item, every row once.
    func testRecordRefusedMidRunIsNamedAndTheRerunCompletes() throws {
        let lab = try makeFolder()
        let out = dir.appendingPathComponent("out-eacces")
        let args = ["inspect", lab.path, "--out", out.path, "--threads", "1", "--quiet"]
        for _ in 0..<2 {
            let refused = try ReticleProcess.run(args, environment: ["RETICLE_INJECT_FAULT": "eacces:b.png.json"])
            XCTAssertEqual(refused.status, 1, refused.stderr)
            XCTAssertEqual(refused.stderr, "reticle: \(out.path)/items/b.png.json: cannot write: Permission denied\n")
            XCTAssertEqual(Set(try rows(out).keys), ["lab/a.png", "lab/c.png"], "the items that landed are in the table")
            XCTAssertEqual(temporaries(out), [])
            XCTAssertFalse(FileManager.default.fileExists(atPath: out.appendingPathComponent(".running").path))
        }
        let rerun = try ReticleProcess.run(args)
        XCTAssertEqual(rerun.status, 0, rerun.stderr)
        XCTAssertEqual(try lastInvocation(out)["processed"]?.intValue, 1, "only the lost item is redone")
        XCTAssertEqual(try lastInvocation(out)["skipped"]?.intValue, 2)
        let text = try String(contentsOf: out.appendingPathComponent("results.csv"), encoding: .utf8)
        XCTAssertEqual(text.split(separator: "\n").count, 4, "a header and three rows, none twice")
        XCTAssertEqual(try rows(out).mapValues { $0["status"] ?? "" }, ["lab/a.png": "ok", "lab/b.png": "ok", "lab/c.png": "ok"])
    }

    /// Every record lands but the table cannot be written (read-only results.csv): exit 1 naming it;
    /// the rerun redoes nothing and writes the table.
    func testTableRefusedIsNamedAndTheRerunWritesIt() throws {
        let lab = try makeFolder()
        let out = dir.appendingPathComponent("out-table")
        let args = ["inspect", lab.path, "--out", out.path, "--threads", "1", "--quiet"]
        let refused = try ReticleProcess.run(args, environment: ["RETICLE_INJECT_FAULT": "readonly:results.csv"])
        XCTAssertEqual(refused.status, 1, refused.stderr)
        XCTAssertEqual(refused.stderr, "reticle: \(out.path)/results.csv: cannot write: Read-only file system\n")
        XCTAssertFalse(FileManager.default.fileExists(atPath: out.appendingPathComponent("results.csv").path))
        XCTAssertEqual(try ItemStore(outDir: out, create: false).allRecords().records.map(\.id), ["a.png", "b.png", "c.png"])
        XCTAssertEqual(temporaries(out), [])

        let rerun = try ReticleProcess.run(args)
        XCTAssertEqual(rerun.status, 0, rerun.stderr)
        XCTAssertEqual(try lastInvocation(out)["processed"]?.intValue, 0)
        XCTAssertEqual(try rows(out).mapValues { $0["status"] ?? "" }, ["lab/a.png": "ok", "lab/b.png": "ok", "lab/c.png": "ok"])
    }
}
