// End to end: train on a tiny generated set, then grade a folder holding one corrupt file:
// exit 2, an error row, the others graded, report.html embedding the Grad-CAM overlays.

import Foundation
import XCTest
import TestSupport

final class MicroTrainGradeCLITests: XCTestCase {
    func testTrainThenGradeWithACorruptFile() throws {
        let dir = makeTemporaryDirectory("micro-train-grade")
        let data = dir.appendingPathComponent("data").path
        let synth = try ReticleProcess.run(["micro", "synth", "--out", data, "--specimens", "8", "--images-per-specimen", "2",
                                            "--size", "128x128", "--quiet"])
        XCTAssertEqual(synth.status, 0, synth.stderr)
        let model = dir.appendingPathComponent("m/model.safetensors").path
        let train = try ReticleProcess.run(["micro", "train", data, "--out", model, "--epochs", "1", "--patch", "32",
                                            "--patches-per-image", "4", "--quiet"])
        // One epoch on 16 tiny images is at chance on the held-out specimens: the model is written, but the
        // exit status (3) and a warning say so instead of a silent file.
        XCTAssertEqual(train.status, 3, train.stderr)
        XCTAssertTrue(train.stderr.contains("at chance on held-out specimens"), train.stderr)
        XCTAssertTrue(train.stdout.contains("type accuracy"))
        XCTAssertTrue(train.stdout.contains("not an ISO 643 G number"))
        for f in ["m/model.log.jsonl", "m/model.evaluation.json"] {
            XCTAssertTrue(FileManager.default.fileExists(atPath: dir.appendingPathComponent(f).path), f)
        }

        let input = dir.appendingPathComponent("in")
        try FileManager.default.createDirectory(at: input, withIntermediateDirectories: true)
        for name in ["s0001-01.tif", "s0002-01.tif"] {
            try FileManager.default.copyItem(atPath: data + "/images/" + name, toPath: input.appendingPathComponent(name).path)
        }
        try Data("II*\0 not a tiff".utf8).write(to: input.appendingPathComponent("broken.tif"))
        let out = dir.appendingPathComponent("out")
        let grade = try ReticleProcess.run(["micro", "grade", input.path, "--model", model, "--out", out.path,
                                            "--explain", "gradcam", "--json", "--quiet"])
        XCTAssertEqual(grade.status, 2, grade.stderr)
        let rows = try JSONSerialization.jsonObject(with: Data(grade.stdout.utf8)) as! [[String: Any]]
        XCTAssertEqual(rows.filter { $0["status"] as? String == "error" }.count, 1)
        XCTAssertEqual(rows.filter { $0["status"] as? String == "ok" }.count, 2)
        XCTAssertTrue(rows.contains { ($0["error"] as? String)?.contains("broken.tif") == true })
        let html = try String(contentsOf: out.appendingPathComponent("report.html"), encoding: .utf8)
        XCTAssertTrue(html.contains("alt=\"Grad-CAM overlay\"") && html.contains("data:image/png;base64,"), "overlays embedded")
        let overlay = try XCTUnwrap(rows.first { $0["overlay"] != nil }?["overlay"] as? String)
        XCTAssertTrue(FileManager.default.fileExists(atPath: out.appendingPathComponent(overlay).path))
        XCTAssertTrue(FileManager.default.fileExists(atPath: out.appendingPathComponent("specimens.json").path))
    }
}
