// Patient data never leaves the inputs: a DICOM study carrying a planted patient name, ID, birth
// date, accession number, institution and referring physician goes through every command that
// reads DICOM (inspect, med train, med evaluate, med classify with saliency and DICOM results);
// no output file (model, log, tables, report, overlays, SR, SC, run.json) and no line on stdout
// or stderr carries any of them. A DICOM whole-slide image with the same attributes and a label
// image goes through inspect and med slides: no attribute, and no pixel of the label, comes out.
import Foundation
import Medical
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
        let scanned = Self.scanForPlanted(["inspect", "model", "classify"].map { dir.appendingPathComponent($0) })
        XCTAssertGreaterThanOrEqual(scanned, 36 + 36 + 2, "items, overlays, SR/SC files, tables and the model were scanned")
    }

    /// Reads every file under `folders` (binary ones too), asserts none carries a planted value, hands each
    /// (path relative to the output root, URL) to `also`; returns how many files were read.
    @discardableResult
    static func scanForPlanted(_ folders: [URL], also: (String, URL) -> Void = { _, _ in }) -> Int {
        var scanned = 0
        for folder in folders {
            for case let relative as String in FileManager.default.enumerator(atPath: folder.path)! {
                let url = folder.appendingPathComponent(relative)
                guard let data = FileManager.default.contents(atPath: url.path) else { continue }
                scanned += 1
                for secret in planted {
                    XCTAssertNil(data.range(of: Data(secret.utf8)), "\(folder.lastPathComponent)/\(relative) carries \(secret)")
                }
                also(folder.lastPathComponent + "/" + relative, url)
            }
        }
        return scanned
    }

    /// dcmodify (dcmtk's tool, installed by scripts/setup) edits the generated files as a scanner
    /// would have written them.
    static func dcmodify(_ args: [String], _ files: [String]) throws {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/dcmodify")
        p.arguments = ["-nb"] + args + files
        p.standardOutput = FileHandle.nullDevice
        p.standardError = FileHandle.nullDevice
        try p.run()
        p.waitUntilExit()
        XCTAssertEqual(p.terminationStatus, 0, "dcmodify \(args)")
    }

    func testSlidesWithPatientDataAndALabelImage() throws {
        guard FileManager.default.isExecutableFile(atPath: "/usr/bin/dcmodify") else {
            throw XCTSkip("dcmodify missing (the dcmtk package: scripts/setup installs it)")
        }
        let dir = makeTemporaryDirectory("phi-slide")
        let slide = dir.appendingPathComponent("case-7")
        XCTAssertEqual(try ReticleProcess.run(["med", "synth-slide", slide.path, "--format", "dicom", "--seed", "2",
                                               "--width", "1024", "--height", "768", "--levels", "2"]).status, 0)
        let levels = try FileManager.default.contentsOfDirectory(atPath: slide.path).sorted().map { slide.appendingPathComponent($0).path }
        let series = try XCTUnwrap(DicomFile(path: levels[0]).string(.seriesInstanceUID))
        let study = try XCTUnwrap(DicomFile(path: levels[0]).string(.studyInstanceUID))

        // The label: a glass slide's paper label, in a colour nothing else in a slide or a heatmap has.
        let labelColour: [UInt8] = [13, 241, 77]
        let label = Image(width: 64, height: 32, channels: 3, storage: .uint8(Array((0..<(64 * 32)).flatMap { _ in labelColour })))
        var writer = DicomSlideWriter()
        writer.tileSize = 64
        let labelFile = try XCTUnwrap(writer.write(pages: [label], to: dir.appendingPathComponent("label").path).first)
        let labelPath = slide.appendingPathComponent("label.dcm").path
        try FileManager.default.moveItem(atPath: labelFile, toPath: labelPath)
        try Self.dcmodify(["-i", "(0008,0008)=ORIGINAL\\PRIMARY\\LABEL\\NONE", "-i", "(0020,000D)=\(study)",
                           "-i", "(0020,000E)=\(series)"], [labelPath])
        try Self.dcmodify(["-i", "(0008,0050)=ACC-55123", "-i", "(0008,0080)=Clinic of Secrets",
                           "-i", "(0008,0090)=Referrer^Hidden", "-i", "(0010,0010)=Planted^Patient",
                           "-i", "(0010,0020)=PHI-99817", "-i", "(0010,0030)=19230417"], levels + [labelPath])

        // A tile model from another generated slide.
        let train = dir.appendingPathComponent("train.tif").path
        XCTAssertEqual(try ReticleProcess.run(["med", "synth-slide", train, "--seed", "1"]).status, 0)
        var csv = "slide,x,y,width,height,label\n"
        for band in 0..<4 { csv += "train.tif,256,\(256 + 256 * band),896,256,tumour\ntrain.tif,1152,\(256 + 256 * band),640,256,normal\n" }
        try csv.write(to: dir.appendingPathComponent("regions.csv"), atomically: true, encoding: .utf8)
        let model = dir.appendingPathComponent("tiles.safetensors").path
        let trained = try ReticleProcess.run(["med", "train-tiles", dir.appendingPathComponent("regions.csv").path, "--out", model,
                                              "--tile-size", "32", "--um-per-px", "1", "--widths", "8,16", "--epochs", "2", "--quiet"])
        XCTAssertEqual(trained.status, 0, trained.stderr)

        let inspectOut = dir.appendingPathComponent("inspect"), slidesOut = dir.appendingPathComponent("slides")
        let inspected = try ReticleProcess.run(["inspect", slide.path, "--json", "--out", inspectOut.path])
        XCTAssertEqual(inspected.status, 0, inspected.stderr)
        let row = try XCTUnwrap(JSONValue.parse(inspected.stdout).arrayValue?.first)
        XCTAssertEqual(row["slide"]?["associated_images"]?.arrayValue?.compactMap { $0["name"]?.stringValue }.contains("label"), true,
                       "the label is listed, by name and size only: \(row)")
        let graded = try ReticleProcess.run(["med", "slides", slide.path, "--model", model, "--out", slidesOut.path])
        XCTAssertEqual(graded.status, 0, graded.stderr)
        for (name, r) in [("inspect", inspected), ("med slides", graded)] {
            for secret in Self.planted {
                XCTAssertFalse(r.stdout.contains(secret) || r.stderr.contains(secret), "\(name) printed \(secret)")
            }
        }

        var pictures = 0
        let scanned = Self.scanForPlanted([inspectOut, slidesOut]) { relative, url in
            guard relative.hasSuffix(".png"), let image = try? ImageFile.read(path: url.path).converted(to: .uint8),
                  image.channels >= 3, case .uint8(let px) = image.storage else { return }
            pictures += 1
            var labelPixels = 0
            for i in stride(from: 0, to: px.count, by: image.channels) where px[i] == 13 && px[i + 1] == 241 && px[i + 2] == 77 {
                labelPixels += 1
            }
            XCTAssertEqual(labelPixels, 0, "\(relative) shows the label image")
        }
        XCTAssertGreaterThanOrEqual(pictures, 2, "the tissue mask and heatmap pictures were looked at")
        XCTAssertGreaterThanOrEqual(scanned, 8)
    }
}
