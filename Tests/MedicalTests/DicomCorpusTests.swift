// Every DICOM file of the third-party corpus against what pydicom read from it (expected.json):
// sizes, transfer syntax, photometric, and decoded pixel statistics. Nothing may crash.

import Foundation
import Medical
import Shared
import TestSupport
import XCTest

final class DicomCorpusTests: XCTestCase {
    /// Files refused although the reference toolkit reads something from them, each for a reason in
    /// the file itself (pydicom reads neither's pixel data either).
    static let knownMalformed: [String: String] = [
        "no_meta.dcm": "a stray byte before the first element (pydicom finds no attributes in it)",
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
                for (key, ours) in [("samples_per_pixel", "samples_per_pixel"), ("bits_allocated", "bits_allocated"),
                                    ("bits_stored", "bits_stored"), ("pixel_representation", "pixel_representation")] {
                    if let v = expected[key]?.intValue { XCTAssertEqual(o[ours]?.intValue, v, "\(name) \(key)") }
                }
                // Rescale and window values as pydicom read them (a window may hold several values).
                if let slope = expected["RescaleSlope"]?.doubleValue, let intercept = expected["RescaleIntercept"]?.doubleValue {
                    XCTAssertEqual(o["rescale"]?["slope"]?.doubleValue, slope, name)
                    XCTAssertEqual(o["rescale"]?["intercept"]?.doubleValue, intercept, name)
                }
                for (key, ours) in [("WindowCenter", "center"), ("WindowWidth", "width")] {
                    guard let ref = expected[key] else { continue }
                    let want = ref.arrayValue?.compactMap(\.doubleValue) ?? [ref.doubleValue].compactMap { $0 }
                    let got = o["window"]?[ours]
                    XCTAssertEqual(got?.arrayValue?.compactMap(\.doubleValue) ?? [got?.doubleValue].compactMap { $0 }, want,
                                   "\(name) \(key)")
                }
                let hasPixels = expected["stored_pixels"] != nil || expected["pydicom_decode_error"] != nil
                XCTAssertEqual(o["pixel_data"]?.stringValue, hasPixels ? "decoded" : "none", name)
            } catch let e as ReticleError {
                // Failing is right only where the file itself is at fault.
                let reason = e.description
                XCTAssertEqual(e.file, path, "error names the file: \(reason)")
                let referenceFailed = expected["pydicom_decode_error"] != nil || expected["reference_tool_error"] != nil
                XCTAssertTrue(referenceFailed || Self.knownMalformed[name] != nil, "\(name) should inspect: \(reason)")
                XCTAssertNotEqual(e.kind, .unsupported, "\(name): every transfer syntax of the corpus decodes: \(reason)")
            } catch {
                XCTFail("\(name): not a ReticleError: \(error)")
            }
        }
        XCTAssertGreaterThan(inspected, 60)
    }

    /// JPEG 2000 decodes through OpenJPEG: the lossless copy of MR_small is MR_small exactly.
    func testJPEG2000DecodesThroughOpenJPEG() throws {
        guard let path = Corpus.path("dicom/MR_small_jp2klossless.dcm"), let plain = Corpus.path("dicom/MR_small.dcm")
        else { throw XCTSkip(Corpus.missing("dicom/x.dcm")) }
        let file = try DicomFile(path: path)
        XCTAssertEqual(file.transferSyntax.uid, "1.2.840.10008.1.2.4.90")
        XCTAssertTrue(file.transferSyntax.decodable)
        XCTAssertEqual(try file.modalityValues(frame: 0), try DicomFile(path: plain).modalityValues(frame: 0))
        // YBR_RCT comes out as RGB (the decoder applies the inverse colour transform).
        let rct = try XCTUnwrap(Corpus.path("dicom/GDCMJ2K_TextGBR.dcm"))
        let image = try DicomFrameDecoder().decode(try DicomFile(path: rct))
        XCTAssertEqual(image.channels, 3)
        XCTAssertEqual(image.width, 400)
        // A codestream whose header is damaged (pydicom fails on it too) is a clear error.
        let bad = try XCTUnwrap(Corpus.path("dicom/JPEG2000-embedded-sequence-delimiter.dcm"))
        XCTAssertThrowsError(try DicomFile(path: bad).modalityValues(frame: 0)) { error in
            let e = error as? ReticleError
            XCTAssertEqual(e?.kind, .corrupt)
            XCTAssertTrue(e?.reason.contains("JPEG 2000: cannot read the codestream header of frame 0") ?? false, "\(error)")
        }
    }

    /// SC_rgb_jpeg.dcm writes its dataset implicit VR under the JPEG Baseline syntax; it reads as
    /// pydicom reads it, and decodes to its pixels.
    func testImplicitDatasetUnderExplicitSyntax() throws {
        guard let path = Corpus.path("dicom/SC_rgb_jpeg.dcm") else { throw XCTSkip(Corpus.missing("dicom/x.dcm")) }
        let file = try DicomFile(path: path)
        XCTAssertEqual(file.transferSyntax.uid, "1.2.840.10008.1.2.4.50")
        XCTAssertEqual(file.modality, "OT")
        let s = Self.stats(try file.storedValues(frame: 0).map(Double.init))
        XCTAssertEqual(s.mean, 243.97285, accuracy: 0.05)
        XCTAssertEqual(s.min, 134, accuracy: 2)
        XCTAssertEqual(s.max, 252, accuracy: 2)
    }

    /// Stored pixels of every file against the reference toolkit's: for lossless syntaxes the same
    /// array (the first 16 hex digits of the SHA-256 of its bytes in pydicom's dtype), for lossy ones
    /// min, max and mean within 1% of the range. Files pydicom cannot decode must fail here too.
    func testStoredPixelsMatchReferenceChecksums() throws {
        var exact = 0, approximate = 0
        for path in try corpusFiles() {
            let name = Self.name(path)
            guard let expected = Corpus.expected("dicom/\(name)") else { continue }
            if expected["pydicom_decode_error"] != nil {
                if name == "JPEG-lossy.dcm" {
                    // libjpeg (pylibjpeg) rejects a marker that IJG's decoder (dcmtk, GDCM) accepts;
                    // it is JPGExtended.dcm's image, whose reference statistics it must meet.
                    let s = Self.stats(try Self.allStoredValues(path).map(Double.init))
                    XCTAssertEqual(s.min, 0, name)
                    XCTAssertEqual(s.max, 264, accuracy: 3, name)
                    XCTAssertEqual(s.mean, 14.383038, accuracy: 0.1, name)
                } else {
                    XCTAssertThrowsError(try Self.allStoredValues(path), name)
                }
                continue
            }
            guard let ref = expected["stored_pixels"]?.objectValue, let dtype = ref["dtype"]?.stringValue,
                  let hash = ref["sha256"]?.stringValue else { continue }
            let pi = expected["photometric"]?.stringValue ?? ""
            let file = try DicomFile(path: path)
            // Native YBR_FULL_422 is subsampled; pydicom's array is its RGB conversion (colour tests).
            if pi.hasSuffix("_422") && !file.transferSyntax.uid.hasPrefix("1.2.840.10008.1.2.4") { continue }
            let values = try Self.allStoredValues(path)
            let shape = ref["shape"]?.arrayValue?.compactMap(\.intValue) ?? []
            XCTAssertEqual(values.count, shape.reduce(1, *), name)
            let s = Self.stats(values.map(Double.init))
            let min = ref["min"]?.doubleValue ?? .nan, max = ref["max"]?.doubleValue ?? .nan
            let mean = ref["mean"]?.doubleValue ?? .nan
            if file.transferSyntax.isLossy && file.transferSyntax.uid != "1.2.840.10008.1.2.4.90" {
                let tol = 0.01 * Swift.max(max - min, 1)
                XCTAssertEqual(s.min, min, accuracy: tol, name)
                XCTAssertEqual(s.max, max, accuracy: tol, name)
                XCTAssertEqual(s.mean, mean, accuracy: tol, name)
                approximate += 1
            } else {
                XCTAssertEqual(try Self.checksum(values, dtype: dtype), hash, "\(name) (\(dtype))")
                XCTAssertEqual(s.mean, mean, accuracy: 1e-6 * Swift.max(1, abs(mean)), name)
                exact += 1
            }
        }
        print("DicomCorpusTests: \(exact) files match the reference checksum, \(approximate) lossy files its statistics")
        XCTAssertGreaterThanOrEqual(exact, 35)
        XCTAssertGreaterThanOrEqual(approximate, 15)
    }

    static func allStoredValues(_ path: String) throws -> [Int64] {
        let file = try DicomFile(path: path)
        let frames = try file.imageInfo().frames
        var values: [Int64] = []
        for f in 0..<frames { values += try file.storedValues(frame: f) }
        return values
    }

    /// make_expected.py's checksum: the array's bytes in numpy dtype `dtype` ("int16", ">u4", ...).
    static func checksum(_ values: [Int64], dtype: String) throws -> String {
        let bigEndian = dtype.hasPrefix(">")
        let code = dtype.trimmingCharacters(in: CharacterSet(charactersIn: "<>=|"))
        let sizes = ["uint8": 1, "int8": 1, "uint16": 2, "int16": 2, "uint32": 4, "int32": 4,
                     "u1": 1, "i1": 1, "u2": 2, "i2": 2, "u4": 4, "i4": 4]
        let size = try XCTUnwrap(sizes[code], "dtype \(dtype)")
        var bytes = [UInt8]()
        bytes.reserveCapacity(values.count * size)
        for v in values {
            let bits = UInt64(bitPattern: v)
            for k in 0..<size {
                let shift = bigEndian ? 8 * (size - 1 - k) : 8 * k
                bytes.append(UInt8(truncatingIfNeeded: bits >> UInt64(shift)))
            }
        }
        return String(FileFingerprint.sha256(Data(bytes)).prefix(16))
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
        XCTAssertEqual(o.keys, ["kind", "format", "modality", "sop_class", "sop_class_name", "width", "height", "frames", "transfer_syntax",
                                "photometric", "samples_per_pixel", "bits_allocated", "bits_stored",
                                "pixel_representation", "rescale", "window", "pixel_spacing_um", "calibration",
                                "pixel_data"])
        XCTAssertEqual(o["sop_class"], "1.2.840.10008.5.1.4.1.1.2")
        XCTAssertEqual(o["sop_class_name"], "CTImageStorage")
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
        let sr = try DicomInspector().inspect(path: try XCTUnwrap(Corpus.path("dicom/sr_document.dcm")), options: InspectOptions())
        XCTAssertEqual(sr["modality"], "SR")
        XCTAssertEqual(sr["sop_class_name"], "Comprehensive3DSRStorage")
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
