// Folder data for `med train`: a DICOM folder labelled per patient and per series through a CSV
// is split by patient (no patient on two sides), read through the modality LUT and VOI window,
// and a file without a label or pixels is left out with its reason; labels CSVs with no key
// column are clear errors.

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
}
