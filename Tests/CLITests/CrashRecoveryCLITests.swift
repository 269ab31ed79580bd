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
}
