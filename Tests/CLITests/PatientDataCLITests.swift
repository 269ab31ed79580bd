// Patient data never leaves the inputs: a DICOM study carrying a planted patient name, ID, birth
// date, accession number, institution and referring physician goes through every command that
// reads DICOM (inspect, med train, med evaluate, med classify with saliency and DICOM results);
// no output file (model, log, tables, report, overlays, SR, SC, run.json) and no line on stdout
// or stderr carries any of them.
import Foundation
import Shared
import TestSupport
import XCTest

final class PatientDataCLITests: XCTestCase {
    static let planted = ["Planted^Patient", "PHI-99817", "19230417", "ACC-55123", "Clinic of Secrets", "Referrer^Hidden"]

    /// A CT image of patient `index` with every planted attribute, in ascending tag order.
    static func image(patient index: Int, instance: Int, bright: Bool) -> Data {
        var meta = DicomBytes()
        let sop = "1.2.840.10008.5.1.4.1.1.2", uid = "1.2.826.0.1.3680043.10.1234.\(index).\(instance)"
        meta.element(0x0002, 0x0001, "OB", [0, 1])
        meta.element(0x0002, 0x0002, "UI", DicomBytes.uid(sop))
        meta.element(0x0002, 0x0003, "UI", DicomBytes.uid(uid))
        meta.element(0x0002, 0x0010, "UI", DicomBytes.uid("1.2.840.10008.1.2.1"))
        var b = DicomBytes()
        b.raw([UInt8](repeating: 0, count: 128) + Array("DICM".utf8))
        b.element(0x0002, 0x0000, "UL", DicomBytes.le32(UInt32(meta.data.count)))
        b.raw(Array(meta.data))
        b.element(0x0008, 0x0016, "UI", DicomBytes.uid(sop))
        b.element(0x0008, 0x0018, "UI", DicomBytes.uid(uid))
        b.text(0x0008, 0x0050, "SH", "ACC-55123")
        b.text(0x0008, 0x0060, "CS", "CT")
        b.text(0x0008, 0x0080, "LO", "Clinic of Secrets")
        b.text(0x0008, 0x0090, "PN", "Referrer^Hidden")
        b.text(0x0010, 0x0010, "PN", "Planted^Patient\(index)")
        b.text(0x0010, 0x0020, "LO", "PHI-99817-\(index)")
        b.text(0x0010, 0x0030, "DA", "19230417")
        b.element(0x0020, 0x000D, "UI", DicomBytes.uid("1.2.826.0.1.3680043.10.1234.\(index)"))
        b.element(0x0020, 0x000E, "UI", DicomBytes.uid("1.2.826.0.1.3680043.10.1234.\(index).0"))
        b.imagePixelModule(rows: 16, columns: 16, bitsAllocated: 8)
        var pixels = [UInt8]()
        for y in 0..<16 { for x in 0..<16 {
            let disc = (x - 8) * (x - 8) + (y - 8) * (y - 8) < 20
            pixels.append(UInt8(clamping: (disc && bright ? 200 : 40) + (x * 7 + y * 13 + instance * 5 + index * 3) % 30))
        } }
        b.element(0x7FE0, 0x0010, "OB", pixels)
        return b.data
    }

    func testNoCommandWritesOrPrintsPatientData() throws {
        let dir = makeTemporaryDirectory("phi")
        let study = dir.appendingPathComponent("study")
        try FileManager.default.createDirectory(at: study, withIntermediateDirectories: true)
        var labels = "patient,label\n"
        for patient in 0..<12 {
            let bright = patient % 2 == 0
            labels += "PHI-99817-\(patient),\(bright ? "lesion" : "clear")\n"
            for instance in 0..<3 {
                try Self.image(patient: patient, instance: instance, bright: bright)
                    .write(to: study.appendingPathComponent("P\(patient)-\(instance).dcm"))
            }
        }
        let csv = dir.appendingPathComponent("labels.csv")
        try labels.write(to: csv, atomically: true, encoding: .utf8)
        let model = dir.appendingPathComponent("model/m.safetensors")
        try FileManager.default.createDirectory(at: model.deletingLastPathComponent(), withIntermediateDirectories: true)

        let runs: [(String, [String])] = [
            ("inspect", ["inspect", study.path, "--json", "--out", dir.appendingPathComponent("inspect").path]),
            ("train", ["med", "train", study.path, "--labels", csv.path, "--out", model.path, "--image-size", "16",
                       "--epochs", "2", "--widths", "8", "--batch-size", "8"]),
            ("evaluate", ["med", "evaluate", model.path, study.path, "--labels", csv.path, "--json"]),
            ("classify", ["med", "classify", study.path, "--model", model.path, "--labels", csv.path,
                          "--out", dir.appendingPathComponent("classify").path, "--explain", "gradcam"]),
        ]
        for (name, args) in runs {
            let r = try ReticleProcess.run(args)
            XCTAssertEqual(r.status, 0, "\(name): \(r.stderr)")
            for secret in Self.planted {
                XCTAssertFalse(r.stdout.contains(secret) || r.stderr.contains(secret), "\(name) printed \(secret)")
            }
        }
        // Every file the commands wrote, binary ones included.
        let outputs = ["inspect", "model", "classify"].map { dir.appendingPathComponent($0) }
        var scanned = 0
        for folder in outputs {
            for case let relative as String in FileManager.default.enumerator(atPath: folder.path)! {
                let url = folder.appendingPathComponent(relative)
                guard let data = FileManager.default.contents(atPath: url.path) else { continue }
                scanned += 1
                for secret in Self.planted {
                    XCTAssertNil(data.range(of: Data(secret.utf8)), "\(folder.lastPathComponent)/\(relative) carries \(secret)")
                }
            }
        }
        XCTAssertGreaterThanOrEqual(scanned, 36 + 36 + 2, "items, overlays, SR/SC files, tables and the model were scanned")
    }
}
