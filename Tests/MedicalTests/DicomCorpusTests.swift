// Every DICOM file of the third-party corpus against what pydicom read from it (expected.json):
// sizes, transfer syntax, photometric, and decoded pixel statistics. Nothing may crash.

import Foundation
import Medical
import Shared
import TestSupport
import XCTest

final class DicomCorpusTests: XCTestCase {
    /// Files dcmtk refuses although pydicom reads them, each for a reason in the file itself.
    static let knownMalformed: [String: String] = [
        "SC_rgb_jpeg.dcm": "dataset encoded implicit VR under an explicit (JPEG) transfer syntax",
        "no_meta.dcm": "a stray byte before the first element",
        "rtplan_truncated.dcm": "truncated inside a sequence",
    ]

    static let registry = InspectorRegistry(Medical.inspectors)

    func corpusFiles() throws -> [String] {
        guard let files = Corpus.files(in: "dicom") else { throw XCTSkip(Corpus.missing("dicom/x.dcm")) }
        return files.filter { $0.hasSuffix(".dcm") }
    }

    static func name(_ path: String) -> String { (path as NSString).lastPathComponent }

    func testEveryFileInspectsOrFailsCleanly() throws {
        var inspected = 0
        for path in try corpusFiles() {
            let name = Self.name(path)
            let expected = Corpus.expected("dicom/\(name)") ?? JSONObject()
            do {
                let o = try Self.registry.inspect(path: path)
                inspected += 1
                XCTAssertEqual(o["kind"], "dicom", name)
                XCTAssertEqual(o["format"], "DICOM", name)
                if let rows = expected["rows"]?.intValue { XCTAssertEqual(o["height"]?.intValue, rows, name) }
                if let columns = expected["columns"]?.intValue { XCTAssertEqual(o["width"]?.intValue, columns, name) }
                if let frames = expected["frames"]?.intValue { XCTAssertEqual(o["frames"]?.intValue, frames, name) }
                if let pi = expected["photometric"]?.stringValue { XCTAssertEqual(o["photometric"]?.stringValue, pi, name) }
                if let m = expected["modality"]?.stringValue { XCTAssertEqual(o["modality"]?.stringValue, m, name) }
                if let ts = expected["transfer_syntax"]?.stringValue, !ts.isEmpty {
                    XCTAssertEqual(o["transfer_syntax"]?["uid"]?.stringValue, ts, name)
                }
                let hasPixels = expected["stored_pixels"] != nil || expected["pydicom_decode_error"] != nil
                XCTAssertEqual(o["pixel_data"]?.stringValue, hasPixels ? "decoded" : "none", name)
            } catch let e as ReticleError {
                // Failing is right only where the file itself is at fault or undecodable here.
                let reason = e.description
                XCTAssertEqual(e.file, path, "error names the file: \(reason)")
                let j2k = (expected["transfer_syntax"]?.stringValue ?? "").hasPrefix("1.2.840.10008.1.2.4.9")
                let referenceFailed = expected["pydicom_decode_error"] != nil || expected["reference_tool_error"] != nil
                XCTAssertTrue(j2k || referenceFailed || Self.knownMalformed[name] != nil,
                              "\(name) should inspect: \(reason)")
                if j2k {
                    XCTAssertEqual(e.kind, .unsupported, reason)
                    XCTAssertTrue(reason.contains("unsupported transfer syntax 1.2.840.10008.1.2.4.9"), reason)
                    XCTAssertTrue(reason.contains("JPEG 2000"), reason)
                }
            } catch {
                XCTFail("\(name): not a ReticleError: \(error)")
            }
        }
        XCTAssertGreaterThan(inspected, 60)
    }

    func testJPEG2000IsUnsupportedByUID() throws {
        guard let path = Corpus.path("dicom/MR_small_jp2klossless.dcm") else { throw XCTSkip(Corpus.missing("dicom/x.dcm")) }
        let file = try DicomFile(path: path)
        XCTAssertEqual(file.transferSyntax.uid, "1.2.840.10008.1.2.4.90")
        XCTAssertFalse(file.transferSyntax.decodable)
        XCTAssertThrowsError(try file.modalityValues(frame: 0)) { error in
            let e = error as? ReticleError
            XCTAssertEqual(e?.kind, .unsupported)
            XCTAssertEqual(e?.reason, "unsupported transfer syntax 1.2.840.10008.1.2.4.90 (JPEG 2000 (Lossless only))")
        }
    }

    /// Modality-LUT values over all frames: exact for lossless syntaxes, within 1% of the range for lossy ones.
    func testModalityValuesMatchPydicom() throws {
        var checked = 0
        for path in try corpusFiles() {
            let name = Self.name(path)
            guard let expected = Corpus.expected("dicom/\(name)"), let ref = expected["modality_lut_pixels"]?.objectValue,
                  let min = ref["min"]?.doubleValue, let max = ref["max"]?.doubleValue,
                  let mean = ref["mean"]?.doubleValue else { continue }
            let file = try DicomFile(path: path)
            guard file.transferSyntax.decodable else { continue }
            let info = try file.imageInfo()
            var values: [Float] = []
            for f in 0..<info.frames { values += try file.modalityValues(frame: f) }
            let s = Self.stats(values.map(Double.init))
            if file.transferSyntax.isLossy {
                let tol = 0.01 * Swift.max(max - min, 1)
                XCTAssertEqual(s.min, min, accuracy: tol, name)
                XCTAssertEqual(s.max, max, accuracy: tol, name)
                XCTAssertEqual(s.mean, mean, accuracy: tol, name)
            } else {
                XCTAssertEqual(s.min, min, name)
                XCTAssertEqual(s.max, max, name)
                XCTAssertEqual(s.mean, mean, accuracy: 1e-6 + 1e-12 * abs(mean), name)
            }
            checked += 1
        }
        XCTAssertGreaterThanOrEqual(checked, 20)
    }

    /// Colour frames against pydicom's RGB: exact for lossless RGB, within 1% of the range where a
    /// lossy codec or a YBR conversion (rounding differs between libraries) is involved.
    func testColorFramesMatchPydicom() throws {
        var checked = 0
        for path in try corpusFiles() {
            let name = Self.name(path)
            guard let expected = Corpus.expected("dicom/\(name)"), let ref = expected["stored_pixels"]?.objectValue,
                  let pi = expected["photometric"]?.stringValue, pi != "PALETTE COLOR", !pi.hasPrefix("MONOCHROME"),
                  (expected["bits_allocated"]?.intValue ?? 99) <= 16,
                  let min = ref["min"]?.doubleValue, let max = ref["max"]?.doubleValue,
                  let mean = ref["mean"]?.doubleValue,
                  let file = try? DicomFile(path: path), file.transferSyntax.decodable else { continue }
            let info = try file.imageInfo()
            var values: [Double] = []
            for f in 0..<info.frames {
                let image = try DicomFrameDecoder().decode(file, frame: f)
                XCTAssertEqual(image.channels, 3, name)
                XCTAssertEqual(image.width, info.columns, name)
                values += image.floatPixels(normalized: false).map(Double.init)
            }
            let s = Self.stats(values)
            if pi == "RGB" && !file.transferSyntax.isLossy {
                XCTAssertEqual(s.min, min, name)
                XCTAssertEqual(s.max, max, name)
                XCTAssertEqual(s.mean, mean, accuracy: 1e-6, name)
            } else {
                let tol = 0.01 * (max - min)
                XCTAssertEqual(s.mean, mean, accuracy: tol, name)
            }
            checked += 1
        }
        XCTAssertGreaterThanOrEqual(checked, 25)
    }

    func testPhiOnlyWhenAsked() throws {
        guard let path = Corpus.path("dicom/CT_small.dcm") else { throw XCTSkip(Corpus.missing("dicom/x.dcm")) }
        let plain = try DicomInspector().inspect(path: path, options: InspectOptions())
        XCTAssertNil(plain["phi"])
        let text = JSONValue.object(plain).serialized()
        XCTAssertFalse(text.contains("CompressedSamples"), text)
        XCTAssertFalse(text.contains("1CT1"), text)

        let shown = try DicomInspector().inspect(path: path, options: InspectOptions(showPhi: true))
        XCTAssertEqual(shown["phi"]?["PatientName"], "CompressedSamples^CT1")
        XCTAssertEqual(shown["phi"]?["PatientID"], "1CT1")
    }

    /// No file's patient name or ID reaches default inspect output.
    func testNoPatientIdentifiersInDefaultOutput() throws {
        for path in try corpusFiles() {
            guard let file = try? DicomFile(path: path),
                  let o = try? DicomInspector().inspect(path: path, options: InspectOptions()) else { continue }
            let text = JSONValue.object(o).serialized()
            for tag in [DicomTag.patientName, .patientID] {
                if let v = file.string(tag), v.count >= 4 {
                    XCTAssertFalse(text.contains(v), "\(Self.name(path)) leaks \(tag.keyword)")
                }
            }
        }
    }

    func testInspectKeysAndCalibration() throws {
        guard let ct = Corpus.path("dicom/CT_small.dcm"), let sm = Corpus.path("dicom/sm_image.dcm"),
              let dx = Corpus.path("dicom/dx_image.dcm") else { throw XCTSkip(Corpus.missing("dicom/x.dcm")) }
        let o = try DicomInspector().inspect(path: ct, options: InspectOptions())
        XCTAssertEqual(o.keys, ["kind", "format", "modality", "sop_class", "width", "height", "frames", "transfer_syntax",
                                "photometric", "samples_per_pixel", "bits_allocated", "bits_stored",
                                "pixel_representation", "rescale", "window", "pixel_spacing_um", "calibration",
                                "pixel_data"])
        XCTAssertEqual(o["sop_class"], "1.2.840.10008.5.1.4.1.1.2")
        XCTAssertEqual(o["rescale"], .object(["slope": 1, "intercept": -1024]))
        XCTAssertEqual(o["window"], .null)
        XCTAssertEqual(o["transfer_syntax"]?["decodable"], true)
        XCTAssertEqual(o["pixel_spacing_um"]?.arrayValue?.first?.doubleValue ?? 0, 661.468, accuracy: 1e-9)
        XCTAssertEqual(o["calibration"]?["source"], "vendor-metadata")

        // Slide microscopy keeps its spacing in the shared functional groups.
        let cal = try XCTUnwrap(try DicomFile(path: sm).calibration)
        XCTAssertEqual(cal.umPerPixelX, 0.499, accuracy: 1e-12)
        XCTAssertEqual(cal.umPerPixelY, 0.499, accuracy: 1e-12)
        XCTAssertTrue(cal.detail?.contains("PixelMeasuresSequence") ?? false)

        let d = try DicomInspector().inspect(path: dx, options: InspectOptions())
        XCTAssertEqual(d["window"], .object(["center": 128, "width": 256]))
        XCTAssertEqual(d["calibration"]?["um_per_px_y"], 1200)
    }

    func testMultiValuedWindowIsArray() throws {
        guard let path = Corpus.path("dicom/examples_overlay.dcm") else { throw XCTSkip(Corpus.missing("dicom/x.dcm")) }
        let o = try DicomInspector().inspect(path: path, options: InspectOptions())
        XCTAssertEqual(o["window"], .object(["center": [450, 200], "width": [790, 443]]))
    }

    func testFilesWithoutPixelDataAreValid() throws {
        for name in ["sr_document.dcm", "DICOMDIR-empty.dcm", "rtplan.dcm", "ExplVR_LitEndNoMeta.dcm"] {
            guard let path = Corpus.path("dicom/\(name)") else { throw XCTSkip(Corpus.missing("dicom/x.dcm")) }
            let o = try DicomInspector().inspect(path: path, options: InspectOptions())
            XCTAssertEqual(o["pixel_data"], "none", name)
            XCTAssertEqual(o["frames"], .null, name)
        }
        let bare = try DicomFile(path: try XCTUnwrap(Corpus.path("dicom/ExplVR_BigEndNoMeta.dcm")))
        XCTAssertFalse(bare.hasMetaHeader)
        XCTAssertEqual(bare.transferSyntax.uid, "1.2.840.10008.1.2.2")
        XCTAssertEqual(bare.modality, "RTPLAN")
    }

    func testTruncatedPixelDataIsCorrupt() throws {
        guard let path = Corpus.path("dicom/MR_truncated.dcm") else { throw XCTSkip(Corpus.missing("dicom/x.dcm")) }
        XCTAssertThrowsError(try DicomInspector().inspect(path: path, options: InspectOptions())) { error in
            XCTAssertEqual((error as? ReticleError)?.kind, .corrupt)
        }
    }

    static func stats(_ v: [Double]) -> (min: Double, max: Double, mean: Double) {
        (v.min() ?? .nan, v.max() ?? .nan, v.reduce(0, +) / Double(max(v.count, 1)))
    }
}
