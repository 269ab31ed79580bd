// End to end through the binary on a generated MedMNIST-layout archive (16×16 grey images; the
// positives carry a bright 4×4 square somewhere): med train, med evaluate (figures checked
// against the library's own computation on the same model), med classify on PNG copies of the
// test images with Grad-CAM and labels (report, overlays, the same probabilities as evaluate),
// class-folder training, and bad archives as clear errors.

import Foundation
import Medical
import Shared
import TestSupport
import XCTest

final class MedClassifyCLITests: XCTestCase {
    /// A binary archive: `counts` images per split, every `positiveEvery`-th one positive.
    static func archive(_ dir: URL, counts: [Int] = [240, 60, 60], positiveEvery: Int = 2, seed: UInt64 = 1) throws -> (path: String, test: [(pixels: [UInt8], label: Int)]) {
        var rng = SplitMix64(seed: seed)
        var arrays: [(name: String, array: NpyArray)] = []
        var test: [(pixels: [UInt8], label: Int)] = []
        for (split, n) in zip(["train", "val", "test"], counts) {
            var pixels: [UInt8] = [], labels: [UInt8] = []
            for i in 0..<n {
                let positive = i % positiveEvery == 0
                var img = (0..<256).map { _ in UInt8(40 + rng.next() % 60) }
                if positive {
                    let x = Int(rng.next() % 12), y = Int(rng.next() % 12)
                    for dy in 0..<4 { for dx in 0..<4 { img[(y + dy) * 16 + x + dx] = 200 } }
                }
                pixels += img
                labels.append(positive ? 1 : 0)
                if split == "test" { test.append((img, positive ? 1 : 0)) }
            }
            arrays.append(("\(split)_images", NpyArray(dtype: .uint8, shape: [n, 16, 16], data: Data(pixels))))
            arrays.append(("\(split)_labels", NpyArray(dtype: .uint8, shape: [n, 1], data: Data(labels))))
        }
        let url = dir.appendingPathComponent("blobs.npz")
        try NpzArchive.encode(arrays, compress: true).write(to: url)
        return (url.path, test)
    }

    func testTrainEvaluateClassify() throws {
        let dir = makeTemporaryDirectory("med-classify")
        let (npz, test) = try Self.archive(dir)
        let model = dir.appendingPathComponent("m.safetensors").path
        let t = try ReticleProcess.run(["med", "train", npz, "--out", model, "--epochs", "6", "--widths", "8,16",
                                        "--batch-size", "16", "--learning-rate", "0.01", "--quiet"])
        XCTAssertEqual(t.status, 0, t.stderr)
        XCTAssertTrue(t.stdout.contains("240 training, 60 validation images"), t.stdout)
        let manifest = try XCTUnwrap(ModelFile.inspect(URL(fileURLWithPath: model))["manifest"])
        XCTAssertEqual(manifest["provenance"]?["medical"]?["task"], "binary")
        XCTAssertEqual(manifest["heads"]?.arrayValue?.first?["classes"], .array(["0", "1"]))
        XCTAssertEqual(manifest["preprocessing"]?["mean"], .array([.number(0.5)]))
        XCTAssertEqual(manifest["provenance"]?["test_samples"], .int(60))
        XCTAssertNotNil(manifest["provenance"]?["settings_sha256"]?.stringValue)
        let temperature = try XCTUnwrap(manifest["provenance"]?["medical"]?["temperature"]?.arrayValue?.first?.doubleValue)
        XCTAssertGreaterThan(temperature, 0.05)
        XCTAssertEqual(try String(contentsOfFile: dir.appendingPathComponent("m.log.jsonl").path, encoding: .utf8).split(separator: "\n").count, 6)

        let e = try ReticleProcess.run(["med", "evaluate", model, npz, "--split", "test", "--json", "--bootstrap", "200"])
        XCTAssertEqual(e.status, 0, e.stderr)
        let json = try JSONValue.parse(e.stdout)
        let auc = try XCTUnwrap(json["roc_auc"]?.doubleValue), accuracy = try XCTUnwrap(json["accuracy"]?.doubleValue)
        XCTAssertGreaterThan(auc, 0.95)
        XCTAssertGreaterThan(accuracy, 0.85)
        XCTAssertEqual(json["samples"], .int(60))
        for key in ["pr_auc", "balanced_accuracy", "macro_f1", "sensitivity", "specificity", "ece", "confusion", "intervals"] {
            XCTAssertNotNil(json[key], key)
        }
        let ci = try XCTUnwrap(json["intervals"]?["roc_auc"])
        XCTAssertLessThanOrEqual(try XCTUnwrap(ci["lower"]?.doubleValue), auc)
        XCTAssertGreaterThanOrEqual(try XCTUnwrap(ci["upper"]?.doubleValue), auc)
        // The same figures from the library on the same model and images.
        let m = try MedicalModel.load(model)
        let set = try MedicalImageSet.npz(npz)
        let idx = set.splits["test"]!
        let x = Tensor.stack(try idx.map { try set.sample($0).inputs[0] })
        let p = m.predict(x)[0].probabilities
        let truth = idx.map { set.labels[0][$0] }
        XCTAssertEqual(auc, try ROCCurve.auc(scores: p.map { $0[1] }, positives: truth.map { $0 == 1 }), accuracy: 1e-9)
        XCTAssertEqual(accuracy, Double(zip(p, truth).filter { ($0[1] >= 0.5 ? 1 : 0) == $1 }.count) / 60, accuracy: 1e-9)
        let confusion = try XCTUnwrap(json["confusion"]?.arrayValue).map { $0.arrayValue!.map { $0.intValue! } }
        XCTAssertEqual(confusion.flatMap { $0 }.reduce(0, +), 60)
        XCTAssertEqual(confusion[0][0] + confusion[1][1], Int((accuracy * 60).rounded()))

        // classify: the test images as PNG files, with their labels.
        let images = dir.appendingPathComponent("images")
        try FileManager.default.createDirectory(at: images, withIntermediateDirectories: true)
        var csv = "file,label\n"
        for (i, s) in test.enumerated() {
            let name = String(format: "img%02d.png", i)
            try ImageFile.write(Image(width: 16, height: 16, channels: 1, storage: .uint8(s.pixels)), to: images.appendingPathComponent(name).path)
            csv += "\(name),\(s.label)\n"
        }
        try "not an image".write(to: images.appendingPathComponent("broken.png"), atomically: true, encoding: .utf8)
        try csv.write(to: dir.appendingPathComponent("labels.csv"), atomically: true, encoding: .utf8)
        let out = dir.appendingPathComponent("out")
        let c = try ReticleProcess.run(["med", "classify", images.path, "--model", model, "--out", out.path, "--explain", "gradcam",
                                        "--labels", dir.appendingPathComponent("labels.csv").path, "--quiet"])
        XCTAssertEqual(c.status, 2, c.stderr)  // the broken file is an error row; the batch went on
        let rows = try String(contentsOf: out.appendingPathComponent("results.csv"), encoding: .utf8).split(separator: "\n")
        XCTAssertEqual(rows.count, 62)
        XCTAssertTrue(rows.contains { $0.contains("broken.png") && $0.contains("error") })
        let report = try String(contentsOf: out.appendingPathComponent("report.html"), encoding: .utf8)
        XCTAssertTrue(report.contains("ROC curve (AUC"), "report lacks the ROC curve")
        XCTAssertTrue(report.contains("Reliability (ECE"), "report lacks the reliability diagram")
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: out.appendingPathComponent("overlays").path).filter { $0.hasSuffix("-gradcam.png") }.count, 60)
        let evaluation = try JSONValue.parse(try Data(contentsOf: out.appendingPathComponent("evaluation.json")))
        XCTAssertEqual(try XCTUnwrap(evaluation["roc_auc"]?.doubleValue), auc, accuracy: 1e-6)
        XCTAssertEqual(evaluation["samples"], .int(60))
    }

    /// DICOM inputs: a Structured Report and a Secondary Capture per file in `dicom/`, referencing the source,
    /// and the planted patient name and ID in no output, log or result (issue "Reliability", patient data).
    func testDicomInputsGetResultObjectsWithoutPatientData() throws {
        let dir = makeTemporaryDirectory("med-dicom")
        let (npz, _) = try Self.archive(dir, counts: [64, 16, 16])
        let model = dir.appendingPathComponent("m.safetensors").path
        let t = try ReticleProcess.run(["med", "train", npz, "--out", model, "--epochs", "1", "--widths", "8", "--batch-size", "16", "--quiet"])
        XCTAssertEqual(t.status, 0, t.stderr)
        let study = dir.appendingPathComponent("study")
        try FileManager.default.createDirectory(at: study, withIntermediateDirectories: true)
        let (name, id) = ("Planted^Patient", "PHI-99817")
        try DicomBytes.image(rows: 16, columns: 16, patientName: name, patientID: id).write(to: study.appendingPathComponent("IM1"))
        try DicomBytes.image(rows: 12, columns: 20, patientName: name, patientID: id, preamble: false).write(to: study.appendingPathComponent("IM2.dcm"))
        let out = dir.appendingPathComponent("out")
        let c = try ReticleProcess.run(["med", "classify", study.path, "--model", model, "--out", out.path, "--explain", "occlusion", "--json"])
        XCTAssertEqual(c.status, 0, c.stderr)
        let rows = try XCTUnwrap(JSONValue.parse(c.stdout).arrayValue)
        XCTAssertEqual(rows.count, 2)
        for row in rows {
            let itemID = ItemID.make(from: (try XCTUnwrap(row["file"]?.stringValue) as NSString).lastPathComponent)
            let dicom = try XCTUnwrap(row["dicom"])
            XCTAssertEqual(dicom["referenced_sop_instance_uid"], "1.2.826.0.1.3680043.10.1234.3.1")
            XCTAssertEqual(dicom["structured_report"]?.stringValue, "dicom/\(itemID).sr.dcm")
            XCTAssertEqual(dicom["secondary_capture"]?.stringValue, "dicom/\(itemID).sc.dcm")
            XCTAssertEqual(row["overlay"]?.stringValue, "overlays/\(itemID)-occlusion.png")
            let sr = try DicomFile(path: out.appendingPathComponent("dicom/\(itemID).sr.dcm").path)
            XCTAssertEqual(sr.sopClassUID, "1.2.840.10008.5.1.4.1.1.88.33", "Comprehensive SR")
            XCTAssertEqual(sr.string(named: "StudyInstanceUID"), "1.2.826.0.1.3680043.10.1234.1", "the source's study")
            let sc = try DicomFile(path: out.appendingPathComponent("dicom/\(itemID).sc.dcm").path)
            XCTAssertEqual(sc.sopClassUID, "1.2.840.10008.5.1.4.1.1.7", "Secondary Capture")
            XCTAssertNotEqual(sc.string(named: "SOPInstanceUID"), "1.2.826.0.1.3680043.10.1234.3.1", "a new instance")
            if let dsrdump = ExternalTool.path("dsrdump") {
                let r = try ExternalTool.run(dsrdump, [out.appendingPathComponent("dicom/\(itemID).sr.dcm").path])
                XCTAssertEqual(r.status, 0, "dsrdump reads the SR: \(r.stderr)")
            }
        }
        // No output file, log or table carries the patient's name or ID.
        XCTAssertFalse(c.stdout.contains(id) || c.stderr.contains(id) || c.stdout.contains("Planted") || c.stderr.contains("Planted"))
        let files = FileManager.default.enumerator(atPath: out.path)!.compactMap { $0 as? String }
        XCTAssertGreaterThanOrEqual(files.filter { $0.hasSuffix(".dcm") }.count, 4)
        for f in files {
            let bytes = (try? Data(contentsOf: out.appendingPathComponent(f))) ?? Data()
            for leak in [id, "Planted"] { XCTAssertNil(bytes.range(of: Data(leak.utf8)), "\(f) carries \(leak)") }
        }
    }

    func testClassFoldersTrain() throws {
        let dir = makeTemporaryDirectory("med-folders")
        let (_, test) = try Self.archive(dir, counts: [0, 0, 80], seed: 3)
        for (i, s) in test.enumerated() {
            let folder = dir.appendingPathComponent("data/\(s.label == 1 ? "lesion" : "clear")")
            try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
            try ImageFile.write(Image(width: 16, height: 16, channels: 1, storage: .uint8(s.pixels)), to: folder.appendingPathComponent("\(i).png").path)
        }
        let model = dir.appendingPathComponent("f.safetensors").path
        let t = try ReticleProcess.run(["med", "train", dir.appendingPathComponent("data").path, "--out", model, "--epochs", "2",
                                        "--widths", "8", "--image-size", "16", "--batch-size", "16", "--quiet"])
        XCTAssertEqual(t.status, 0, t.stderr)
        let manifest = try XCTUnwrap(ModelFile.inspect(URL(fileURLWithPath: model))["manifest"])
        XCTAssertEqual(manifest["heads"]?.arrayValue?.first?["classes"], .array(["clear", "lesion"]))
        XCTAssertEqual(manifest["provenance"]?["medical"]?["data_source"], "folders")
        // 80 images, split 70/15/15 by file and stratified: every split holds both classes.
        XCTAssertEqual((manifest["provenance"]?["train_samples"]?.intValue ?? 0) + (manifest["provenance"]?["validation_samples"]?.intValue ?? 0)
                       + (manifest["provenance"]?["test_samples"]?.intValue ?? 0), 80)
        let e = try ReticleProcess.run(["med", "evaluate", model, dir.appendingPathComponent("data").path, "--json", "--bootstrap", "0"])
        XCTAssertEqual(e.status, 0, e.stderr)
        XCTAssertEqual(try JSONValue.parse(e.stdout)["samples"]?.intValue, manifest["provenance"]?["test_samples"]?.intValue)
    }

    func testBadArchivesAreClearErrors() throws {
        let dir = makeTemporaryDirectory("med-bad")
        let (npz, _) = try Self.archive(dir, counts: [8, 4, 4])
        let cut = dir.appendingPathComponent("cut.npz")
        let bytes = try Data(contentsOf: URL(fileURLWithPath: npz))
        try bytes.prefix(bytes.count / 2).write(to: cut)
        let r = try ReticleProcess.run(["med", "train", cut.path, "--out", dir.appendingPathComponent("x.safetensors").path, "--quiet"])
        XCTAssertEqual(r.status, 1)
        XCTAssertTrue(r.stderr.contains(cut.path), r.stderr)
        let missing = dir.appendingPathComponent("missing.npz")
        try NpzArchive.encode([("train_images", NpyArray(dtype: .uint8, shape: [2, 4, 4], data: Data(count: 32)))]).write(to: missing)
        let m = try ReticleProcess.run(["med", "train", missing.path, "--out", dir.appendingPathComponent("y.safetensors").path, "--quiet"])
        XCTAssertEqual(m.status, 1)
        XCTAssertTrue(m.stderr.contains("missing.npz") && m.stderr.contains("train_labels"), m.stderr)
        let e = try ReticleProcess.run(["med", "evaluate", dir.appendingPathComponent("nope.safetensors").path, npz, "--json"])
        XCTAssertEqual(e.status, 1)
        XCTAssertTrue(e.stderr.contains("nope.safetensors"), e.stderr)
    }
}

