// DICOM whole-slide images through the binary: `med synth-slide --format dicom` writes the same
// generated slide as the TIFF, `inspect` adds the series' pyramid to a file's description, and `med slides` with the demo
// model takes the folder as one slide and gives the TIFF's tile count and probabilities.

import Foundation
import Shared
import TestSupport
import XCTest

final class DicomSlideCLITests: XCTestCase {
    func testDicomSlideClassifiesAsItsTIFF() throws {
        let dir = makeTemporaryDirectory("dicom-slide-cli")
        let tiff = dir.appendingPathComponent("slide.tif").path
        let dicom = dir.appendingPathComponent("dicom").path
        let size = ["--seed", "2", "--width", "1024", "--height", "768"]
        XCTAssertEqual(try ReticleProcess.run(["med", "synth-slide", tiff] + size).status, 0)
        let w = try ReticleProcess.run(["med", "synth-slide", "--format", "dicom", dicom] + size)
        XCTAssertEqual(w.status, 0, w.stderr)
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: dicom).sorted(),
                       ["level-0.dcm", "level-1.dcm", "level-2.dcm", "thumbnail.dcm"])

        let i = try ReticleProcess.run(["inspect", dicom + "/level-1.dcm", "--json"])
        XCTAssertEqual(i.status, 0, i.stderr)
        let row = try XCTUnwrap(JSONValue.parse(i.stdout).arrayValue?.first)
        XCTAssertEqual(row["kind"], "dicom")
        XCTAssertEqual(row["width"], 128, "the file itself: its 128-pixel frames")
        let slide = try XCTUnwrap(row["slide"])
        XCTAssertEqual(slide["width"], 1024)
        XCTAssertEqual(slide["levels"]?.arrayValue?.count, 3)
        XCTAssertEqual(slide["files"], 4)
        XCTAssertEqual(slide["um_per_px_x"], 0.5)
        XCTAssertEqual(slide["associated_images"]?.arrayValue?.first?["name"], "thumbnail")

        let model = Corpus.projectRoot.appendingPathComponent("fixtures/models/slide-demo.safetensors").path
        let out = dir.appendingPathComponent("out")
        let r = try ReticleProcess.run(["med", "slides", tiff, dicom, "--model", model, "--out", out.path, "--quiet"])
        XCTAssertEqual(r.status, 0, r.stderr)
        let rows = try String(contentsOf: out.appendingPathComponent("results.jsonl"), encoding: .utf8)
            .split(separator: "\n").map { try JSONValue.parse(String($0)) }
        XCTAssertEqual(rows.count, 2, "the DICOM folder is one slide")
        let t = try XCTUnwrap(rows.first { $0["file"]?.stringValue?.hasSuffix(".tif") ?? false }?["result"])
        let d = try XCTUnwrap(rows.first { $0["file"]?.stringValue?.hasSuffix(".dcm") ?? false }?["result"])
        XCTAssertEqual(d["vendor"], "dicom")
        XCTAssertEqual(d["um_per_px_source"], "vendor-metadata")
        XCTAssertGreaterThan(t["tile_count"]?.intValue ?? 0, 0)
        XCTAssertEqual(d["tile_count"], t["tile_count"])
        XCTAssertEqual(d["label"], t["label"])
        for c in ["normal", "tumour"] {
            XCTAssertEqual(d["probabilities"]?[c]?.doubleValue ?? -1, t["probabilities"]?[c]?.doubleValue ?? 1, accuracy: 1e-6, c)
        }
    }
}
