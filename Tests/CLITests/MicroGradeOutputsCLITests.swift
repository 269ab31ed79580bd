// What `micro grade` leaves for a lab: results.csv with the documented fixed columns (no JSON
// in cells, the same columns for errors), specimens.csv beside it, the specimen rule (plate-A
// and plate-B stay two specimens; a pattern that misses a file is a warning naming it),
// report.html self-contained with version, settings, model hash, every warning and a sign-off
// block, overlays at a fixed display size with a full-resolution file, --quiet printing only
// the summary, and a compact table otherwise.

import Foundation
import XCTest
import Microstructure
import Shared
import TestSupport

final class MicroGradeOutputsCLITests: XCTestCase {
    static let model = Corpus.projectRoot.appendingPathComponent("fixtures/models/steel-demo.safetensors").path

    /// Four generated micrographs (256 px at 0.5 µm/px) named s0001-01, s0001-02, plate-A, plate-B, and a broken file.
    func inputs(_ dir: URL) throws -> URL {
        let data = dir.appendingPathComponent("data").path
        let synth = try ReticleProcess.run(["micro", "synth", "--out", data, "--specimens", "2", "--images-per-specimen", "2",
                                            "--size", "256x256", "--quiet"])
        XCTAssertEqual(synth.status, 0, synth.stderr)
        let input = dir.appendingPathComponent("in")
        try FileManager.default.createDirectory(at: input, withIntermediateDirectories: true)
        for (from, to) in [("s0001-01", "s0001-01"), ("s0001-02", "s0001-02"), ("s0002-01", "plate-A"), ("s0002-02", "plate-B")] {
            try FileManager.default.copyItem(atPath: data + "/images/\(from).tif", toPath: input.appendingPathComponent("\(to).tif").path)
        }
        try Data("II*\0 not a tiff".utf8).write(to: input.appendingPathComponent("broken.tif"))
        return input
    }

    func testGradeWritesFixedColumnsSpecimensAndASelfContainedReport() throws {
        let dir = makeTemporaryDirectory("micro-grade-outputs")
        let input = try inputs(dir)
        let out = dir.appendingPathComponent("out")
        let grade = try ReticleProcess.run(["micro", "grade", input.path, "--model", Self.model, "--out", out.path,
                                            "--explain", "gradcam", "--specimen-pattern", "^(s[0-9]+)-", "--quiet"])
        XCTAssertEqual(grade.status, 2, grade.stderr)  // the broken file
        XCTAssertEqual(grade.stdout, "", "--quiet prints only the summary (on stderr)")
        XCTAssertTrue(grade.stderr.contains("grade: 5 items: "), grade.stderr)
        XCTAssertTrue(grade.stderr.contains("1 errors; 2 warnings; report: \(out.path)/report.html"), grade.stderr)

        let csv = try String(contentsOf: out.appendingPathComponent("results.csv"), encoding: .utf8)
        let lines = csv.split(separator: "\n").map(String.init)
        XCTAssertEqual(lines.first, GradingReport.columns.joined(separator: ","))
        XCTAssertEqual(lines.count, 6)
        let rows = try RatingsCSV.records(csv, path: "results.csv").map(\.fields)
        for cell in rows.joined() {
            XCTAssertFalse(cell.hasPrefix("{") || cell.hasPrefix("["), "JSON in a cell: \(cell)")
        }
        XCTAssertTrue(rows.allSatisfy { $0.count == GradingReport.columns.count }, "the same columns for every row")
        let column = { (name: String) in GradingReport.columns.firstIndex(of: name)! }
        let modelSHA = BatchSettings.fingerprint(Self.model)
        for row in rows.dropFirst() {
            XCTAssertEqual(row[column("model_sha256")], modelSHA)
            XCTAssertEqual(row[column("settings_hash")].count, 64)
            if row[column("status")] == "ok" {
                // Rounded: at most 4 decimals.
                let confidence = row[column("confidence")]
                XCTAssertLessThanOrEqual(confidence.split(separator: ".").last?.count ?? 0, 4, confidence)
                XCTAssertNotNil(Double(confidence))
            } else {
                XCTAssertTrue(row[column("error")].contains("broken.tif"))
                XCTAssertEqual(row[column("type")], "")
            }
        }
        let plateA = try XCTUnwrap(rows.first { $0[column("file")].hasSuffix("plate-A.tif") })
        XCTAssertTrue(plateA[column("warnings")].contains("plate-A.tif: --specimen-pattern"), plateA[column("warnings")])

        let specimens = try String(contentsOf: out.appendingPathComponent("specimens.csv"), encoding: .utf8)
        let specimenRows = try RatingsCSV.records(specimens, path: "specimens.csv").map(\.fields).dropFirst()
        XCTAssertEqual(Set(specimenRows.map { $0[0] }), ["s0001", "plate-A", "plate-B"])
        XCTAssertEqual(specimenRows.first { $0[0] == "s0001" }?[1], "2")

        let html = try String(contentsOf: out.appendingPathComponent("report.html"), encoding: .utf8)
        XCTAssertTrue(html.contains("data:image/png;base64,"), "images embedded")
        XCTAssertFalse(html.contains("src=\"overlays/"), "no image left outside the report")
        for text in ["Reticle \(ReticleVersion.string)", "SHA-256 \(modelSHA)", "Settings: ", "Sign-off", "Warnings (2)",
                     "plate-B.tif: --specimen-pattern", "Grad-CAM"] {
            XCTAssertTrue(html.contains(text), text)
        }
        let items = try FileManager.default.contentsOfDirectory(atPath: out.appendingPathComponent("overlays").path)
        let display = try XCTUnwrap(items.first { $0.hasSuffix("-gradcam.png") })
        let full = try XCTUnwrap(items.first { $0.hasSuffix("-gradcam-full.png") })
        let shown = try ImageFile.read(path: out.appendingPathComponent("overlays/" + display).path)
        XCTAssertEqual(shown.width, GradCAMOverlay.displaySide, "a fixed display size whatever the input µm/px")
        let fullImage = try ImageFile.read(path: out.appendingPathComponent("overlays/" + full).path)
        XCTAssertEqual([fullImage.width, fullImage.height], [256, 256])
    }

    func testCompactTableAndNoOverlayNoteWithoutOverlays() throws {
        let dir = makeTemporaryDirectory("micro-grade-table")
        let input = try inputs(dir)
        try FileManager.default.removeItem(at: input.appendingPathComponent("broken.tif"))
        let out = dir.appendingPathComponent("out")
        let grade = try ReticleProcess.run(["micro", "grade", input.path, "--model", Self.model, "--out", out.path])
        XCTAssertEqual(grade.status, 0, grade.stderr)
        let lines = grade.stdout.split(separator: "\n")
        XCTAssertEqual(lines.count, 5, grade.stdout)
        XCTAssertTrue(lines[0].hasPrefix("file"))
        XCTAssertTrue(lines.dropFirst().allSatisfy { $0.contains(".tif") })
        XCTAssertTrue(grade.stderr.contains("4 items: "), grade.stderr)
        let html = try String(contentsOf: out.appendingPathComponent("report.html"), encoding: .utf8)
        XCTAssertFalse(html.contains("Grad-CAM"), "the report mentions overlays only when there are some")
        // The default rule: plate-A and plate-B are two specimens, s0001-01 and -02 one.
        let specimens = try String(contentsOf: out.appendingPathComponent("specimens.csv"), encoding: .utf8)
        XCTAssertEqual(Set(try RatingsCSV.records(specimens, path: "s").map { $0.fields[0] }.dropFirst()), ["s0001", "plate-A", "plate-B"])
    }
}
