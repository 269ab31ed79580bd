// Folder data for `med train`: a DICOM folder labelled per patient and per series through a CSV
// is split by patient (no patient on two sides), read through the modality LUT and VOI window,
// and a file without a label or pixels is left out with its reason; labels CSVs with no key
// column are clear errors; a split column fixes the split (as the PH2 cross-validation folds of
// scripts/fetch-concept-data do), and hidden folders are not walked.

import Foundation
import Medical
import Shared
import TestSupport
import XCTest

final class MedicalDatasetTests: XCTestCase {
    /// A 16-bit 8×8 monochrome DICOM file: value `base` everywhere, a bright 3×3 square when `lesion`.
    func dicom(patient: String, series: String, sop: String, lesion: Bool, window: Bool = true) -> DicomBytes {
        var d = DicomBytes.withMeta()
        d.text(0x0008, 0x0016, "UI", "1.2.840.10008.5.1.4.1.1.7")
        d.text(0x0008, 0x0018, "UI", sop)
        d.text(0x0008, 0x0060, "CS", "OT")
        d.text(0x0010, 0x0020, "LO", patient)
        d.text(0x0020, 0x000E, "UI", series)
        d.imagePixelModule(rows: 8, columns: 8)
        if window {
            d.text(0x0028, 0x1050, "DS", "650")
            d.text(0x0028, 0x1051, "DS", "700")
        }
        var px: [UInt8] = []
        for y in 0..<8 { for x in 0..<8 { px += DicomBytes.le16(lesion && (2..<5).contains(x) && (3..<6).contains(y) ? 1000 : 300) } }
        d.element(0x7FE0, 0x0010, "OW", px)
        return d
    }

    func testDicomFolderSplitsByPatient() throws {
        let dir = makeTemporaryDirectory("med-dicom-set")
        let root = dir.appendingPathComponent("studies")
        try FileManager.default.createDirectory(at: root, withIntermediateDirectories: true)
        // 20 patients, 3 files each; even patients' first series is labelled "lesion" by series, the rest by patient.
        var csv = "patient,series,label\n"
        for p in 0..<20 {
            let lesion = p % 2 == 0
            csv += lesion ? ",1.2.3.\(p).1,lesion\nP\(p),,clear\n" : "P\(p),,clear\n"
            for f in 0..<3 {
                try dicom(patient: "P\(p)", series: "1.2.3.\(p).\(f == 2 ? 2 : 1)", sop: "1.2.3.\(p).\(f).9", lesion: lesion && f < 2)
                    .write(to: root.appendingPathComponent("p\(p)-\(f).dcm"))
            }
        }
        try csv.write(to: dir.appendingPathComponent("labels.csv"), atomically: true, encoding: .utf8)
        var noPixels = DicomBytes.withMeta()
        noPixels.text(0x0008, 0x0060, "CS", "SR")
        try noPixels.write(to: root.appendingPathComponent("report.dcm"))
        var options = MedicalDataOptions()
        options.labels = dir.appendingPathComponent("labels.csv").path
        options.imageSize = 8
        options.validationFraction = 0.2; options.testFraction = 0.2
        let data = try MedicalDataset.load(root.path, options: options)
        XCTAssertEqual(data.source, "dicom")
        XCTAssertEqual(data.set.count, 60)
        XCTAssertEqual(data.set.heads[0].classes, ["clear", "lesion"])
        XCTAssertEqual(data.set.labels[0].filter { $0 == 1 }.count, 20)  // series-labelled files of the 10 even patients
        XCTAssertEqual(data.skipped.count, 1)
        XCTAssertTrue(data.skipped[0].contains("report.dcm") && data.skipped[0].contains("no pixel data"), data.skipped[0])
        XCTAssertFalse(data.skipped.joined().contains("P1"), "a patient ID reached a message")
        // Files are sorted p0-0, p0-1, p0-2, p1-0, ...: a patient's three files are consecutive.
        for split in ["train", "val", "test"] {
            let patients = Set(data.set.splits[split]!.map { $0 / 3 })
            for other in ["train", "val", "test"] where other != split {
                XCTAssertTrue(patients.isDisjoint(with: Set(data.set.splits[other]!.map { $0 / 3 })), "\(split)/\(other)")
            }
            XCTAssertEqual(data.set.splits[split]!.count % 3, 0)
        }
        // VOI window centre 650, width 700: 300 → 0, 1000 → 1; normalised (x − 0.5) / 0.5.
        let lesion = try data.set.sample(0).inputs[0].scalars
        XCTAssertEqual(lesion[3 * 8 + 2], 1, accuracy: 1e-5)
        XCTAssertEqual(lesion[0], -1, accuracy: 1e-5)
    }

    func testLabelsCSVNeedsAKeyAndALabel() throws {
        let dir = makeTemporaryDirectory("med-labels")
        try ImageFile.write(Image(width: 4, height: 4, channels: 1, storage: .uint8([UInt8](repeating: 9, count: 16))), to: dir.appendingPathComponent("a.png").path)
        for (text, expected) in [("name,label\na.png,x\n", "key column"), ("file,class\na.png,x\n", "\"label\" column"), ("file,label\na.png,x\n", "1 class")] {
            let csv = dir.appendingPathComponent("l.csv")
            try text.write(to: csv, atomically: true, encoding: .utf8)
            var o = MedicalDataOptions()
            o.labels = csv.path
            XCTAssertThrowsError(try MedicalDataset.load(dir.path, options: o)) { e in
                XCTAssertTrue("\(e)".contains(expected) && "\(e)".contains("l.csv"), "\(e)")
            }
        }
    }

    func testSplitColumnFixesTheSplitAndHiddenFoldersAreNotRead() throws {
        let dir = makeTemporaryDirectory("med-split-column")
        let images = dir.appendingPathComponent("images")
        try FileManager.default.createDirectory(at: images.appendingPathComponent(".src"), withIntermediateDirectories: true)
        // Ten 6×4 RGB BMPs (PH2's format; not square, so resampling stretches them); odd ones bright = "melanoma".
        var csv = "file,label,diagnosis,split\n"
        let sides = ["train", "train", "test", "val", "train", "test", "validation", "train", "train", "test"]
        for i in 0..<10 {
            let v: UInt8 = i % 2 == 1 ? 200 : 40
            try ImageFile.write(Image(width: 6, height: 4, channels: 3, storage: .uint8([UInt8](repeating: v, count: 72))),
                                to: images.appendingPathComponent("IMD\(i).bmp").path)
            csv += "IMD\(i).bmp,\(i % 2 == 1 ? "melanoma" : "benign"),d\(i % 3),\(sides[i])\n"
        }
        // A hidden copy (a fetch script's clone) would be read and then skipped as unlabelled if it were walked.
        try ImageFile.write(Image(width: 2, height: 2, channels: 1, storage: .uint8([1, 2, 3, 4])),
                            to: images.appendingPathComponent(".src/IMD0.bmp").path)
        let labels = dir.appendingPathComponent("fold.csv")
        try csv.write(to: labels, atomically: true, encoding: .utf8)
        var options = MedicalDataOptions()
        options.labels = labels.path
        options.imageSize = 8
        let data = try MedicalDataset.load(images.path, options: options)
        XCTAssertEqual(data.set.count, 10)
        XCTAssertEqual(data.skipped, [])
        XCTAssertEqual(data.set.heads[0].classes, ["benign", "melanoma"])
        XCTAssertEqual(data.set.splits["train"], [0, 1, 4, 7, 8])
        XCTAssertEqual(data.set.splits["val"], [3, 6])
        XCTAssertEqual(data.set.splits["test"], [2, 5, 9])
        XCTAssertEqual(data.preprocessing.channels, 3)
        // 200 → (200/255 − 0.5) / 0.5 in every channel of the stretched 8×8 image.
        XCTAssertEqual(try data.set.sample(1).inputs[0].scalars[100], Float(200) / 255 * 2 - 1, accuracy: 1e-5)

        // A side that is not train/val/test, a row without a file, a patient on two sides, no training image.
        for (text, expected) in [("file,label,split\nIMD0.bmp,benign,holdout\nIMD1.bmp,melanoma,test\n", "holdout"),
                                 ("file,patient,label,split\n,P1,benign,train\nIMD1.bmp,,melanoma,test\n", "needs a file"),
                                 ("file,patient,label,split\nIMD0.bmp,P1,benign,train\nIMD1.bmp,P1,melanoma,test\n", "both train and test"),
                                 ("file,label,split\nIMD0.bmp,benign,val\nIMD1.bmp,melanoma,test\n", "no image for training")] {
            try text.write(to: labels, atomically: true, encoding: .utf8)
            XCTAssertThrowsError(try MedicalDataset.load(images.path, options: options)) { e in
                XCTAssertTrue("\(e)".contains(expected) && "\(e)".contains("fold.csv"), "\(e)")
            }
        }
    }
}
