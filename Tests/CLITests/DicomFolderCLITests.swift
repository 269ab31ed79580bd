// `reticle inspect DIR` over a folder of studies: DICOM files are found by content (preamble
// "DICM", or a bare dataset's first element) whatever their names, a damaged one is an error row
// naming it, and the batch goes on. Patient identifiers never reach the output.

import Foundation
import Shared
import TestSupport
import XCTest

final class DicomFolderCLITests: XCTestCase {
    var dir: URL!
    override func setUp() { dir = makeTemporaryDirectory("reticle-dicom-cli") }
    override func tearDown() { try? FileManager.default.removeItem(at: dir) }

    func testFolderOfStudiesIsWalkedByContent() throws {
        let study = dir.appendingPathComponent("study")
        try FileManager.default.createDirectory(at: study.appendingPathComponent("series2"), withIntermediateDirectories: true)
        try DicomBytes.image(rows: 6, columns: 5).write(to: study.appendingPathComponent("IM0001"))
        try DicomBytes.image(rows: 4, columns: 4, preamble: false).write(to: study.appendingPathComponent("series2/IM0002"))
        var cut = DicomBytes.image(rows: 16, columns: 16).data
        cut.count -= 100
        try cut.write(to: study.appendingPathComponent("series2/cut.dcm"))
        try Data("not an image\n".utf8).write(to: study.appendingPathComponent("README"))

        let r = try ReticleProcess.run(["inspect", study.path, "--json"])
        XCTAssertEqual(r.status, 2, "one item failed → exit 2; stderr: \(r.stderr)")
        let rows = try XCTUnwrap(JSONValue.parse(r.stdout).arrayValue)
        let byFile = Dictionary(uniqueKeysWithValues: rows.map { ($0["file"]?.stringValue ?? "", $0) })
        XCTAssertEqual(byFile.keys.sorted(), ["study/IM0001", "study/series2/IM0002", "study/series2/cut.dcm"])
        XCTAssertTrue(r.stderr.contains("study/README"), r.stderr)

        let a = try XCTUnwrap(byFile["study/IM0001"])
        XCTAssertEqual(a["status"], "ok")
        XCTAssertEqual(a["kind"], "dicom")
        XCTAssertEqual(a["width"]?.intValue, 5)
        XCTAssertEqual(a["height"]?.intValue, 6)
        XCTAssertEqual(a["sop_class_name"], "CTImageStorage")
        XCTAssertEqual(a["transfer_syntax"]?["uid"], "1.2.840.10008.1.2.1")
        XCTAssertEqual(a["pixel_data"], "decoded")
        let b = try XCTUnwrap(byFile["study/series2/IM0002"])
        XCTAssertEqual(b["status"], "ok")
        XCTAssertEqual(b["kind"], "dicom")
        XCTAssertEqual(b["width"]?.intValue, 4)
        let c = try XCTUnwrap(byFile["study/series2/cut.dcm"])
        XCTAssertEqual(c["status"], "error")
        XCTAssertTrue((c["error"]?.stringValue ?? "").contains("truncated"), "\(c)")
        for leak in ["Doe^Jane", "PID-4711"] {
            XCTAssertFalse(r.stdout.contains(leak) || r.stderr.contains(leak), "output leaks \(leak)")
        }
    }
}
