// DICOM results: the Structured Report and Secondary Capture written for a source image, read
// back with Reticle's own reader and with dcmtk's dcmdump/dsrdump (when on PATH), and checked for
// the source's patient name and ID, which must not be in them.

import Foundation
import Medical
import Shared
import TestSupport
import XCTest

final class DicomResultWriterTests: XCTestCase {
    private var dir: URL!
    override func setUp() { dir = makeTemporaryDirectory("reticle-dicom-results") }
    override func tearDown() { try? FileManager.default.removeItem(at: dir) }

    static let finding = DicomFinding(label: "pneumothorax", probability: 0.8734, modelName: "resnet18-chest",
                                      modelVersion: "1.2.0")

    /// An overlay with a distinct value in every sample, so the round trip is checked exactly.
    static func overlay(width: Int = 12, height: Int = 10) -> Image {
        Image(width: width, height: height, channels: 3,
              storage: .uint8((0..<(width * height * 3)).map { UInt8(($0 * 7) % 256) }))
    }

    func testResultsForGeneratedSource() throws {
        let source = dir.appendingPathComponent("source.dcm").path
        try DicomBytes.image(patientName: "Doe^Jane", patientID: "PID-4711").write(to: URL(fileURLWithPath: source))
        try checkResults(source: source, patientValues: ["Doe^Jane", "PID-4711"])
    }

    func testResultsForCorpusCT() throws {
        guard let source = Corpus.path("dicom/CT_small.dcm") else { throw XCTSkip(Corpus.missing("dicom/CT_small.dcm")) }
        let file = try DicomFile(path: source)
        let phi = [file.string(.patientName), file.string(.patientID)].compactMap { $0 }
        XCTAssertEqual(phi, ["CompressedSamples^CT1", "1CT1"])
        try checkResults(source: source, patientValues: phi)
    }

    private func checkResults(source: String, patientValues: [String], line: UInt = #line) throws {
        let src = try DicomFile(path: source)
        let sr = dir.appendingPathComponent("out/result-sr.dcm").path
        let sc = dir.appendingPathComponent("out/result-sc.dcm").path
        try DicomResultWriter.writeStructuredReport(source: source, finding: Self.finding, to: sr)
        let overlay = Self.overlay()
        try DicomResultWriter.writeSecondaryCapture(source: source, overlay: overlay, to: sc)

        // The SR: a new Comprehensive SR instance in a new series of the source's study.
        let report = try DicomFile(path: sr)
        XCTAssertTrue(report.hasMetaHeader, line: line)
        XCTAssertEqual(report.sopClassUID, "1.2.840.10008.5.1.4.1.1.88.33", line: line)
        XCTAssertEqual(report.modality, "SR", line: line)
        XCTAssertFalse(report.hasPixelData, line: line)
        XCTAssertEqual(report.string(.studyInstanceUID), src.string(.studyInstanceUID), line: line)
        XCTAssertNotEqual(report.string(.seriesInstanceUID), src.string(.seriesInstanceUID), line: line)
        XCTAssertNotEqual(report.string(.sopInstanceUID), src.string(.sopInstanceUID), line: line)
        XCTAssertEqual(report.string(.patientName), "", line: line)
        XCTAssertEqual(report.string(.patientID), "", line: line)
        let srBytes = try Data(contentsOf: URL(fileURLWithPath: sr))
        for text in ["pneumothorax", "0.8734", "resnet18-chest", "1.2.0", try XCTUnwrap(src.string(.sopInstanceUID))] {
            XCTAssertNotNil(srBytes.range(of: Data(text.utf8)), "SR holds \(text)", line: line)
        }

        // The SC: an RGB image equal to the overlay, referencing the source.
        let capture = try DicomFile(path: sc)
        XCTAssertEqual(capture.sopClassUID, "1.2.840.10008.5.1.4.1.1.7", line: line)
        XCTAssertEqual(capture.string(.studyInstanceUID), src.string(.studyInstanceUID), line: line)
        XCTAssertNotEqual(capture.string(.sopInstanceUID), report.string(.sopInstanceUID), line: line)
        let image = try DicomFrameDecoder().decode(capture)
        XCTAssertEqual(image.width, overlay.width, line: line)
        XCTAssertEqual(image.height, overlay.height, line: line)
        XCTAssertEqual(image.storage, overlay.storage, line: line)
        let scBytes = try Data(contentsOf: URL(fileURLWithPath: sc))
        XCTAssertNotNil(scBytes.range(of: Data(try XCTUnwrap(src.string(.sopInstanceUID)).utf8)), line: line)

        // No patient name or ID of the source in either file.
        for value in patientValues {
            for (name, bytes) in [("SR", srBytes), ("SC", scBytes)] {
                XCTAssertNil(bytes.range(of: Data(value.utf8)), "\(name) leaks \(value)", line: line)
            }
        }

        // dcmtk's own tools read both without complaint.
        if let dcmdump = ExternalTool.path("dcmdump") {
            for path in [sr, sc] {
                let r = try ExternalTool.run(dcmdump, [path])
                XCTAssertEqual(r.status, 0, "dcmdump \(path): \(r.stderr)", line: line)
                XCTAssertFalse(r.stderr.contains("E: ") || r.stderr.contains("W: "), r.stderr, line: line)
            }
        }
        if let dsrdump = ExternalTool.path("dsrdump") {
            let r = try ExternalTool.run(dsrdump, [sr])
            XCTAssertEqual(r.status, 0, "dsrdump: \(r.stderr)", line: line)
            XCTAssertTrue(r.stderr.isEmpty, r.stderr, line: line)
            XCTAssertTrue(r.stdout.contains("Comprehensive SR Document"), r.stdout, line: line)
            XCTAssertTrue(r.stdout.contains("<contains CODE:(,,\"Finding\")=(PNEUMOTHORAX,99RETICLE,\"pneumothorax\")>"),
                          r.stdout, line: line)
            XCTAssertTrue(r.stdout.contains("<contains NUM:(,,\"Probability of finding\")=\"0.8734\""), r.stdout, line: line)
            XCTAssertTrue(r.stdout.contains("<contains TEXT:(,,\"Algorithm Name\")=\"resnet18-chest\">"), r.stdout, line: line)
            XCTAssertTrue(r.stdout.contains("<contains TEXT:(,,\"Algorithm Version\")=\"1.2.0\">"), r.stdout, line: line)
            XCTAssertTrue(r.stdout.contains("<contains IMAGE:(,,\"Source of Measurement\")=(CT image,)>"), r.stdout, line: line)
        }
    }

    /// A label outside ASCII is written in UTF-8 with the character set declared.
    func testNonASCIILabel() throws {
        let source = dir.appendingPathComponent("source.dcm").path
        try DicomBytes.image().write(to: URL(fileURLWithPath: source))
        let sr = dir.appendingPathComponent("utf8-sr.dcm").path
        let finding = DicomFinding(label: "Rundherd ä", probability: 0.5, modelName: "m", modelVersion: "1")
        try DicomResultWriter.writeStructuredReport(source: source, finding: finding, to: sr)
        let report = try DicomFile(path: sr)
        XCTAssertEqual(report.string(DicomTag(0x0008, 0x0005, "SpecificCharacterSet")), "ISO_IR 192")
        let bytes = try Data(contentsOf: URL(fileURLWithPath: sr))
        XCTAssertNotNil(bytes.range(of: Data("Rundherd ä".utf8)))
        if let dsrdump = ExternalTool.path("dsrdump") {
            let r = try ExternalTool.run(dsrdump, [sr])
            XCTAssertEqual(r.status, 0, r.stderr)
        }
    }

    func testGreyAndFloatOverlaysBecomeRGB() throws {
        let source = dir.appendingPathComponent("source.dcm").path
        try DicomBytes.image().write(to: URL(fileURLWithPath: source))
        let grey = Image(width: 3, height: 2, channels: 1, storage: .float32([0, 0.5, 1, 0.25, 0.75, 1]))
        let sc = dir.appendingPathComponent("grey-sc.dcm").path
        try DicomResultWriter.writeSecondaryCapture(source: source, overlay: grey, to: sc)
        let back = try DicomFrameDecoder().decode(try DicomFile(path: sc))
        XCTAssertEqual(back.storage, .uint8([0, 0, 0, 128, 128, 128, 255, 255, 255, 64, 64, 64, 191, 191, 191, 255, 255, 255]))
    }

    func testInvalidFindingsAndSourcesAreErrors() throws {
        let source = dir.appendingPathComponent("source.dcm").path
        try DicomBytes.image().write(to: URL(fileURLWithPath: source))
        let out = dir.appendingPathComponent("x.dcm").path
        var bad = Self.finding
        bad.probability = 1.5
        XCTAssertThrowsError(try DicomResultWriter.writeStructuredReport(source: source, finding: bad, to: out)) {
            XCTAssertEqual(($0 as? ReticleError)?.kind, .usage)
            XCTAssertTrue("\($0)".contains("probability 1.5 is not in 0...1"), "\($0)")
        }
        bad = Self.finding
        bad.modelVersion = ""
        XCTAssertThrowsError(try DicomResultWriter.writeStructuredReport(source: source, finding: bad, to: out))
        // A source that does not say which instance it is cannot be referenced.
        var anonymous = DicomBytes.withMeta()
        anonymous.text(0x0008, 0x0060, "CS", "OT")
        let noUID = dir.appendingPathComponent("no-uid.dcm")
        try anonymous.write(to: noUID)
        XCTAssertThrowsError(try DicomResultWriter.writeStructuredReport(source: noUID.path, finding: Self.finding, to: out)) {
            XCTAssertEqual(($0 as? ReticleError)?.kind, .corrupt)
            XCTAssertTrue("\($0)".contains("no SOP Class or SOP Instance UID"), "\($0)")
        }
        XCTAssertThrowsError(try DicomResultWriter.writeSecondaryCapture(source: dir.appendingPathComponent("none.dcm").path,
                                                                         overlay: Self.overlay(), to: out)) {
            XCTAssertEqual(($0 as? ReticleError)?.kind, .io)
        }
        var hollow = Self.overlay()
        hollow.storage = .uint8([1, 2, 3])
        XCTAssertThrowsError(try DicomResultWriter.writeSecondaryCapture(source: source, overlay: hollow, to: out)) {
            XCTAssertEqual(($0 as? ReticleError)?.kind, .usage)
        }
        XCTAssertFalse(FileManager.default.fileExists(atPath: out))
    }
}
