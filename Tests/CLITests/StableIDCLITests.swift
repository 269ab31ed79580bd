// Ids of one input do not depend on the run's other inputs once the output folder records it: a
// same-named file joining a later run into the folder takes a new id of its own, and the earlier
// result is neither redone nor doubled (issue 16, item 5).
import Foundation
import Shared
import TestSupport
import XCTest

final class StableIDCLITests: XCTestCase {
    var dir: URL!

    override func setUp() { dir = makeTemporaryDirectory("reticle-ids") }
    override func tearDown() { try? FileManager.default.removeItem(at: dir) }

    /// lab1/a.png and lab2/a.png: one name, two different images.
    func makeLabs() throws -> (URL, URL) {
        var labs: [URL] = []
        for (i, name) in ["lab1", "lab2"].enumerated() {
            let lab = dir.appendingPathComponent(name)
            try FileManager.default.createDirectory(at: lab, withIntermediateDirectories: true)
            let image = Image(width: 5 + i, height: 4, channels: 1, storage: .uint8([UInt8](repeating: UInt8(60 * (i + 1)), count: (5 + i) * 4)))
            try ImageFile.write(image, to: lab.appendingPathComponent("a.png").path)
            labs.append(lab)
        }
        return (labs[0], labs[1])
    }

    func lastInvocation(_ out: URL) throws -> JSONValue {
        let run = try JSONValue.parse(Data(contentsOf: out.appendingPathComponent("run.json")))
        return try XCTUnwrap(run["history"]?.arrayValue?.last)
    }

    /// Run 1 with `first`'s folder, run 2 with both folders: the recorded file keeps `a.png` and is not
    /// redone, the other gets its folder in its id; a third run with `first` alone redoes nothing.
    func check(firstIsLab1: Bool) throws {
        let (lab1, lab2) = try makeLabs()
        let (first, second) = firstIsLab1 ? (lab1, lab2) : (lab2, lab1)
        let out = dir.appendingPathComponent("out")
        let run1 = try ReticleProcess.run(["inspect", first.path, "--out", out.path, "--threads", "1"])
        XCTAssertEqual(run1.status, 0, run1.stderr)
        XCTAssertEqual(try csvFilesByID(out), ["a.png": "\(first.lastPathComponent)/a.png"])
        let store = try ItemStore(outDir: out, create: false)
        let recorded = try XCTUnwrap(store.load(id: "a.png"))

        let run2 = try ReticleProcess.run(["inspect", lab1.path, lab2.path, "--out", out.path, "--threads", "1"])
        XCTAssertEqual(run2.status, 0, run2.stderr)
        XCTAssertTrue(run2.stderr.contains("inspect: 2 items, 2 ok, 0 failed, 1 already done"), run2.stderr)
        XCTAssertEqual(try lastInvocation(out)["processed"]?.intValue, 1)
        let newID = "\(second.lastPathComponent)__a.png"
        XCTAssertEqual(try csvFilesByID(out), ["a.png": "\(first.lastPathComponent)/a.png", newID: "\(second.lastPathComponent)/a.png"])
        XCTAssertEqual(store.load(id: "a.png"), recorded, "the earlier result is kept as it was")
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: store.itemsDir.path).sorted(), ["a.png.json", newID + ".json"])
        XCTAssertNotEqual(store.load(id: newID)?.inputHash, recorded.inputHash)

        let run3 = try ReticleProcess.run(["inspect", first.path, "--out", out.path, "--threads", "1"])
        XCTAssertEqual(run3.status, 0, run3.stderr)
        XCTAssertTrue(run3.stderr.contains("inspect: 1 items, 1 ok, 0 failed, 1 already done"), run3.stderr)
        XCTAssertEqual(try csvFilesByID(out).count, 2)
    }

    func testASameNamedFileJoiningALaterRunLeavesTheEarlierResult() throws {
        try check(firstIsLab1: true)
    }

    func testASameNamedFileJoiningALaterRunLeavesTheEarlierResultInReverseOrder() throws {
        try check(firstIsLab1: false)
    }

    /// Both files in the first run (ids with their folders), then each alone: each keeps its id and
    /// nothing is redone, where the plain name would have redone it as `a.png`.
    func testAFileNamedAloneLaterKeepsItsLongerID() throws {
        let (lab1, lab2) = try makeLabs()
        let out = dir.appendingPathComponent("out")
        XCTAssertEqual(try ReticleProcess.run(["inspect", lab1.path, lab2.path, "--out", out.path, "--quiet"]).status, 0)
        XCTAssertEqual(try csvFilesByID(out), ["lab1__a.png": "lab1/a.png", "lab2__a.png": "lab2/a.png"])
        for lab in [lab2, lab1] {
            let alone = try ReticleProcess.run(["inspect", lab.appendingPathComponent("a.png").path, "--out", out.path, "--quiet"])
            XCTAssertEqual(alone.status, 0, alone.stderr)
            XCTAssertEqual(try lastInvocation(out)["skipped"]?.intValue, 1)
            XCTAssertEqual(try lastInvocation(out)["processed"]?.intValue, 0)
        }
        XCTAssertEqual(try csvFilesByID(out), ["lab1__a.png": "lab1/a.png", "lab2__a.png": "lab2/a.png"])
    }
}
