// int8 steel grading end to end: `model quantize` (inputs from the manifest) gives a model `micro grade`
// refuses with the reason; `micro quantize` (the grader's own patches) gives one that grades the demo
// micrographs as the fp32 model does.

import Foundation
import Shared
import TestSupport
import XCTest

final class MicroQuantizeCLITests: XCTestCase {
    var dir: URL!
    let model = Corpus.projectRoot.appendingPathComponent("fixtures/models/steel-demo.safetensors").path
    let images = Corpus.projectRoot.appendingPathComponent("fixtures/demo-steel/images").path

    override func setUp() { dir = makeTemporaryDirectory("reticle-micro-quantize") }
    override func tearDown() { try? FileManager.default.removeItem(at: dir) }

    func grades(_ model: String) throws -> [(type: String, confidence: Double)] {
        let r = try ReticleProcess.run(["micro", "grade", images, "--model", model, "--json", "--quiet"])
        XCTAssertEqual(r.status, 0, r.stderr)
        let rows = try XCTUnwrap(JSONValue.parse(r.stdout).arrayValue, r.stdout)
        return rows.sorted { ($0["file"]?.stringValue ?? "") < ($1["file"]?.stringValue ?? "") }
            .map { ($0["type"]?.stringValue ?? "none", $0["confidence"]?.doubleValue ?? -1) }
    }

    func testGenericQuantisationIsRefusedByGrade() throws {
        let q = dir.appendingPathComponent("generic.safetensors").path
        let made = try ReticleProcess.run(["model", "quantize", model, "--calibrate", images, "--out", q,
                                           "--holdout", "3", "--min-agreement", "0"])
        XCTAssertEqual(made.status, 0, made.stderr)
        XCTAssertTrue(made.stdout.contains("wrote \(q): 4 int8 convolutions"), made.stdout)
        let r = try ReticleProcess.run(["micro", "grade", images, "--model", q, "--json"])
        XCTAssertEqual(r.status, 1, "a model grade cannot use is a setup error")
        XCTAssertTrue(r.stderr.contains("calibrated on generically prepared inputs (`model quantize`)")
                      && r.stderr.contains("reticle micro quantize"), r.stderr)
    }

    func testMicroQuantizeGradesAsTheFp32Model() throws {
        let q = dir.appendingPathComponent("int8.safetensors").path
        let strict = try ReticleProcess.run(["micro", "quantize", model, "--calibrate", images, "--out", q, "--holdout", "3"])
        XCTAssertNotEqual(strict.status, 0, "47 of 48 held-out patch calls agree: below the default 99 %")
        XCTAssertTrue(strict.stderr.contains("97.92 % (47 of 48), below --min-agreement 99.00 %"), strict.stderr)
        XCTAssertFalse(FileManager.default.fileExists(atPath: q), "nothing written below the threshold")

        let made = try ReticleProcess.run(["micro", "quantize", model, "--calibrate", images, "--out", q,
                                           "--holdout", "3", "--min-agreement", "0.95"])
        XCTAssertEqual(made.status, 0, made.stderr)
        XCTAssertTrue(made.stdout.contains("calibrating on 56 inputs from 7 images (percentile); checking on 24 inputs from 3 held-out images"),
                      made.stdout)
        let (_, manifest) = try ModelFile.load(from: URL(fileURLWithPath: q))
        XCTAssertEqual(manifest.provenance["quantization"]?["inputs"], "micrograph grading patches")

        let fp32 = try grades(model), int8 = try grades(q)
        XCTAssertEqual(int8.count, 10)
        XCTAssertEqual(int8.map(\.type), fp32.map(\.type), "every demo micrograph keeps its type")
        for (a, b) in zip(fp32, int8) { XCTAssertEqual(a.confidence, b.confidence, accuracy: 0.03) }
    }
}
