// Concept bottlenecks and .npz inputs end to end through the binary: med synth-concepts, med train
// --concepts --cbm, med classify with concept activations and --intervene, med evaluate with
// concept figures, the patient bootstrap and --intervene-true, med adapt-concepts on the shifted site; and med
// classify on an .npz, one row per image of the split.

import Foundation
import Medical
import Shared
import TestSupport
import XCTest

final class MedConceptsCLITests: XCTestCase {
    func testConceptBottleneckThroughTheCLI() throws {
        let dir = makeTemporaryDirectory("med-cbm")
        let (train, site) = (dir.appendingPathComponent("train").path, dir.appendingPathComponent("site").path)
        for (folder, kind, count) in [(train, "training", "300"), (site, "shifted", "120")] {
            let s = try ReticleProcess.run(["med", "synth-concepts", folder, "--site", kind, "--count", count, "--seed", kind == "training" ? "5" : "6"])
            XCTAssertEqual(s.status, 0, s.stderr)
        }
        let model = dir.appendingPathComponent("cbm.safetensors").path
        let t = try ReticleProcess.run(["med", "train", train, "--labels", train + "/labels.csv", "--concepts", train + "/concepts.csv",
                                        "--cbm", "sequential", "--image-size", "16", "--widths", "8,16", "--epochs", "8",
                                        "--batch-size", "32", "--learning-rate", "0.01", "--out", model, "--quiet"])
        XCTAssertEqual(t.status, 0, t.stderr)
        let manifest = try XCTUnwrap(ModelFile.inspect(URL(fileURLWithPath: model))["manifest"])
        XCTAssertEqual(manifest["provenance"]?["concept_bottleneck"]?["concepts"], .array(["disc", "stripes", "square", "marker"]))
        XCTAssertEqual(manifest["provenance"]?["concept_bottleneck"]?["mode"], "sequential")

        let out = dir.appendingPathComponent("out")
        let c = try ReticleProcess.run(["med", "classify", site + "/images", "--model", model, "--out", out.path,
                                        "--intervene", "disc=1,stripes=1,marker=1", "--json", "--quiet"])
        XCTAssertEqual(c.status, 0, c.stderr)
        let rows = try XCTUnwrap(JSONValue.parse(c.stdout).arrayValue)
        XCTAssertEqual(rows.count, 120)
        for row in rows {
            XCTAssertEqual(row["concepts"]?["disc"]?.doubleValue, 1)
            XCTAssertEqual(row["intervened"], .array(["disc", "stripes", "marker"]))
            XCTAssertEqual(row["label"], "lesion")
        }
        let bad = try ReticleProcess.run(["med", "classify", site + "/images", "--model", model, "--intervene", "tumour=1", "--quiet"])
        XCTAssertEqual(bad.status, 1)
        XCTAssertTrue(bad.stderr.contains("tumour"), bad.stderr)

        let e = try ReticleProcess.run(["med", "evaluate", model, train, "--json", "--bootstrap", "100"])
        XCTAssertEqual(e.status, 0, e.stderr)
        let json = try JSONValue.parse(e.stdout)
        XCTAssertEqual(json["concepts"]?["metrics"]?["per_concept"]?.arrayValue?.count, 4)
        XCTAssertGreaterThan(try XCTUnwrap(json["concepts"]?["metrics"]?["mean_accuracy"]?.doubleValue), 0.8)
        XCTAssertEqual(json["bootstrap"]?["by"], "patient")
        // Each image's true disc and stripes from the concepts CSV: the class head's calls on the truth.
        let et = try ReticleProcess.run(["med", "evaluate", model, train, "--json", "--bootstrap", "0", "--intervene-true", "disc, stripes"])
        XCTAssertEqual(et.status, 0, et.stderr)
        let truth = try JSONValue.parse(et.stdout)
        XCTAssertEqual(truth["concepts"]?["intervention_true"], .array(["disc", "stripes"]))
        XCTAssertEqual(truth["samples"], json["samples"])
        let badTruth = try ReticleProcess.run(["med", "evaluate", model, train, "--intervene-true", "tumour"])
        XCTAssertEqual(badTruth.status, 1)
        XCTAssertTrue(badTruth.stderr.contains("tumour"), badTruth.stderr)

        let adapted = dir.appendingPathComponent("adapted.safetensors").path
        let a = try ReticleProcess.run(["med", "adapt-concepts", model, site, "--labels", site + "/labels.csv", "--shots", "4", "--out", adapted, "--json"])
        XCTAssertEqual(a.status, 0, a.stderr)
        let record = try JSONValue.parse(a.stdout)
        let before = try XCTUnwrap(record["accuracy_before"]?.doubleValue), after = try XCTUnwrap(record["accuracy_after"]?.doubleValue)
        XCTAssertEqual(record["evaluated_images"], .int(112))
        // Measured on this small set with the first draw of shots: the confounded model gets 0.348 of the other site
        // images right; the edits the shots support never make it worse there (ConceptBottleneckTests measures the gain).
        XCTAssertEqual(before, 0.348, accuracy: 0.02)
        XCTAssertGreaterThanOrEqual(after, before)
        let inspected = try XCTUnwrap(ModelFile.inspect(URL(fileURLWithPath: adapted))["manifest"])
        XCTAssertEqual(inspected["provenance"]?["concept_adaptation"]?["accuracy_after"]?.doubleValue, after)
    }

    func testNpzInputGivesOneRowPerImage() throws {
        let dir = makeTemporaryDirectory("med-npz")
        let (npz, test) = try MedClassifyCLITests.archive(dir, counts: [64, 16, 20])
        let model = dir.appendingPathComponent("m.safetensors").path
        let t = try ReticleProcess.run(["med", "train", npz, "--out", model, "--epochs", "2", "--widths", "8", "--batch-size", "16", "--quiet"])
        XCTAssertEqual(t.status, 0, t.stderr)
        let out = dir.appendingPathComponent("out")
        let c = try ReticleProcess.run(["med", "classify", npz, "--model", model, "--out", out.path, "--split", "test", "--json", "--quiet"])
        XCTAssertEqual(c.status, 0, c.stderr)
        let rows = try XCTUnwrap(JSONValue.parse(c.stdout).arrayValue)
        XCTAssertEqual(rows.map { $0["file"]?.stringValue ?? "" }, (0..<20).map { "blobs.npz#test/\($0)" })
        XCTAssertEqual(rows.map { $0["truth"]?.stringValue ?? "" }, test.map { String($0.label) })
        // The same probabilities as the model gives the archive's own test tensors.
        let m = try MedicalModel.load(model)
        let set = try MedicalImageSet.npz(npz)
        let x = Tensor.stack(try set.splits["test"]!.map { try set.sample($0).inputs[0] })
        let p = m.predict(x)[0].probabilities
        for (row, q) in zip(rows, p) { XCTAssertEqual(try XCTUnwrap(row["probabilities"]?["1"]?.doubleValue), q[1], accuracy: 1e-5) }
        XCTAssertTrue(FileManager.default.fileExists(atPath: out.appendingPathComponent("evaluation.json").path))
        let v = try ReticleProcess.run(["med", "classify", npz, "--model", model, "--split", "val", "--json", "--quiet"])
        XCTAssertEqual(try XCTUnwrap(JSONValue.parse(v.stdout).arrayValue).count, 16)
        let cut = dir.appendingPathComponent("cut.npz")
        try Data(try Data(contentsOf: URL(fileURLWithPath: npz)).prefix(100)).write(to: cut)
        let b = try ReticleProcess.run(["med", "classify", cut.path, "--model", model, "--json", "--quiet"])
        XCTAssertEqual(b.status, 2)
        XCTAssertTrue(b.stdout.contains("cut.npz"), b.stdout)
    }
}
