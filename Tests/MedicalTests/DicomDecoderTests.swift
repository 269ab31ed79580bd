// DicomFrameDecoder's order of operations (modality LUT, VOI, MONOCHROME1 inversion once),
// the VOI functions, recognition, and hostile files that must fail with a ReticleError.

import Foundation
import Medical
import Shared
import TestSupport
import XCTest

final class DicomDecoderTests: XCTestCase {
    func corpus(_ name: String) throws -> String {
        guard let p = Corpus.path("dicom/\(name)") else { throw XCTSkip(Corpus.missing("dicom/\(name)")) }
        return p
    }

    /// PS3.3 C.11.2.1.2.1 written out independently of DicomWindow.
    static func linear(_ x: Double, center c: Double, width w: Double) -> Double {
        if x <= c - 0.5 - (w - 1) / 2 { return 0 }
        if x > c - 0.5 + (w - 1) / 2 { return 1 }
        return (x - (c - 0.5)) / (w - 1) + 0.5
    }

    func testMonochrome1IsInvertedOnceWithoutVOI() throws {
        let file = try DicomFile(path: try corpus("dx_image.dcm"))
        let info = try file.imageInfo()
        XCTAssertTrue(info.isMonochrome1)
        XCTAssertEqual(info.modalityRange, 0...255)
        let stored = try file.modalityValues(frame: 0)
        let image = try DicomFrameDecoder().decode(file)
        XCTAssertEqual(image.sampleType, .float32)
        XCTAssertEqual(image.width, 211)
        XCTAssertEqual(image.height, 169)
        let shown = image.floatPixels()
        for i in stride(from: 0, to: stored.count, by: 97) { XCTAssertEqual(shown[i], 255 - stored[i], "pixel \(i)") }
        XCTAssertEqual(shown.max(), 250)  // stored minimum 5
        XCTAssertEqual(shown.min(), 0)    // stored maximum 255

        let raw = try DicomFrameDecoder(invertMonochrome1: false).decode(file).floatPixels()
        XCTAssertEqual(raw, stored)
    }

    func testMonochrome1IsInvertedAfterTheFileWindow() throws {
        let file = try DicomFile(path: try corpus("dx_image.dcm"))
        XCTAssertEqual(file.windows, [DicomWindow(center: 128, width: 256)])
        let stored = try file.modalityValues(frame: 0)
        let shown = try DicomFrameDecoder(voi: .fromFile(index: 0)).decode(file).floatPixels()
        for i in stride(from: 0, to: stored.count, by: 89) {
            let expected = 1 - Self.linear(Double(stored[i]), center: 128, width: 256)
            XCTAssertEqual(Double(shown[i]), expected, accuracy: 1e-6, "pixel \(i)")
        }
        // The darkest stored value (5) is the brightest shown.
        let i = try XCTUnwrap(stored.firstIndex(of: 5))
        XCTAssertEqual(Double(shown[i]), 1 - ((5 - 127.5) / 255 + 0.5), accuracy: 1e-6)
    }

    /// A Modality LUT Sequence instead of a rescale: signed pixels, a first mapped value stored as
    /// US (65526 = −10), clamping below and beyond the table; MONOCHROME1 reflected within the
    /// LUT's output range once.
    func testModalityLUTSequence() throws {
        let dir = makeTemporaryDirectory("reticle-modality-lut")
        defer { try? FileManager.default.removeItem(at: dir) }
        for photometric in ["MONOCHROME2", "MONOCHROME1"] {
            var b = DicomBytes.withMeta()
            b.text(0x0008, 0x0016, "UI", "1.2.840.10008.5.1.4.1.1.7")
            b.us(0x0028, 0x0002, 1)
            b.text(0x0028, 0x0004, "CS", photometric)
            b.us(0x0028, 0x0010, 1)
            b.us(0x0028, 0x0011, 6)
            b.us(0x0028, 0x0100, 16)
            b.us(0x0028, 0x0101, 16)
            b.us(0x0028, 0x0102, 15)
            b.us(0x0028, 0x0103, 1)
            var item = DicomBytes()
            item.element(0x0028, 0x3002, "US", DicomBytes.le16(4) + DicomBytes.le16(65526) + DicomBytes.le16(16))
            item.element(0x0028, 0x3006, "OW", [100, 200, 300, 400].flatMap { DicomBytes.le16($0) })
            b.element(0x0028, 0x3000, "SQ", [0xFE, 0xFF, 0x00, 0xE0] + DicomBytes.le32(UInt32(item.data.count)) + item.data)
            let stored: [Int16] = [-20, -10, -9, -8, -7, 50]
            b.element(0x7FE0, 0x0010, "OW", stored.flatMap { DicomBytes.le16(UInt16(bitPattern: $0)) })
            let url = dir.appendingPathComponent("\(photometric).dcm")
            try b.write(to: url)
            let file = try DicomFile(path: url.path)
            XCTAssertEqual(try file.modalityValues(frame: 0), [100, 100, 200, 300, 400, 400])
            XCTAssertEqual(try file.storedValues(frame: 0), stored.map(Int64.init))
            XCTAssertEqual(try file.imageInfo().modalityRange, 100...400)
            let shown = try DicomFrameDecoder().decode(file).floatPixels()
            XCTAssertEqual(shown, photometric == "MONOCHROME1" ? [400, 400, 300, 200, 100, 100] : [100, 100, 200, 300, 400, 400])
        }
    }

    /// A VOI LUT Sequence item applied when asked: below the first mapped value the first entry,
    /// beyond the table the last, scaled by the entry bits; MONOCHROME1 inverted after it, once.
    func testVOILUTFromTheFile() throws {
        let dir = makeTemporaryDirectory("reticle-voi-lut")
        defer { try? FileManager.default.removeItem(at: dir) }
        for photometric in ["MONOCHROME2", "MONOCHROME1"] {
            var b = DicomBytes.withMeta()
            b.text(0x0008, 0x0016, "UI", "1.2.840.10008.5.1.4.1.1.7")
            b.imagePixelModule(rows: 1, columns: 6, bitsAllocated: 16, photometric: photometric)
            var item = DicomBytes()
            item.element(0x0028, 0x3002, "US", DicomBytes.le16(4) + DicomBytes.le16(10) + DicomBytes.le16(8))
            item.element(0x0028, 0x3006, "OW", [0, 0, 100, 0, 200, 0, 255, 0])
            b.element(0x0028, 0x3010, "SQ", [0xFE, 0xFF, 0x00, 0xE0] + DicomBytes.le32(UInt32(item.data.count)) + item.data)
            b.element(0x7FE0, 0x0010, "OW", [5, 10, 11, 12, 13, 40].flatMap { DicomBytes.le16($0) })
            let url = dir.appendingPathComponent("\(photometric).dcm")
            try b.write(to: url)
            let file = try DicomFile(path: url.path)
            XCTAssertEqual(try file.voiLUTs(), [DicomVOILUT(firstMapped: 10, bits: 8, table: [0, 100, 200, 255])])
            let shown = try DicomFrameDecoder(voi: .lutFromFile(index: 0)).decode(file).floatPixels()
            let expected: [Float] = [0, 0, 100 / 255, 200 / 255, 1, 1].map { photometric == "MONOCHROME1" ? 1 - $0 : $0 }
            assertClose(shown, expected)
            XCTAssertThrowsError(try DicomFrameDecoder(voi: .lutFromFile(index: 1)).decode(file)) {
                XCTAssertTrue("\($0)".contains("VOI LUT 1 asked, the file has 1"), "\($0)")
            }
        }
    }

    func testMonochrome2WithGivenWindow() throws {
        let file = try DicomFile(path: try corpus("CT_small.dcm"))
        let hu = try file.modalityValues(frame: 0)
        XCTAssertEqual(hu.min(), -896)
        let plain = try DicomFrameDecoder().decode(file)
        XCTAssertEqual(plain.floatPixels(), hu, "MONOCHROME2 without VOI is the modality values")
        XCTAssertEqual(plain.calibration?.umPerPixelX ?? 0, 661.468, accuracy: 1e-9)
        let window = DicomWindow(center: 40, width: 400)
        let shown = try DicomFrameDecoder(voi: .window(window)).decode(file).floatPixels()
        for i in stride(from: 0, to: hu.count, by: 53) {
            XCTAssertEqual(Double(shown[i]), Self.linear(Double(hu[i]), center: 40, width: 400), accuracy: 1e-6)
        }
        XCTAssertThrowsError(try DicomFrameDecoder(voi: .fromFile(index: 0)).decode(file)) { error in
            XCTAssertEqual((error as? ReticleError)?.kind, .usage)
        }
        XCTAssertThrowsError(try DicomFrameDecoder(voi: .window(DicomWindow(center: 0, width: 0))).decode(file))
    }

    func testWindowFunctions() {
        let w = DicomWindow(center: 2048, width: 4096)
        XCTAssertEqual(w.apply(0), 0)
        XCTAssertEqual(w.apply(4095), 1)
        XCTAssertEqual(w.apply(2047.5), 0.5, accuracy: 1e-12)
        let threshold = DicomWindow(center: 10, width: 1)
        XCTAssertEqual(threshold.apply(9.5), 0)
        XCTAssertEqual(threshold.apply(9.6), 1)
        let exact = DicomWindow(center: 0, width: 10, function: .linearExact)
        XCTAssertEqual(exact.apply(2.5), 0.75, accuracy: 1e-12)
        let sigmoid = DicomWindow(center: 0, width: 10, function: .sigmoid)
        XCTAssertEqual(sigmoid.apply(0), 0.5, accuracy: 1e-12)
    }

    func testColourFramesAndMultiFrame() throws {
        let file = try DicomFile(path: try corpus("SC_rgb_rle_16bit_2frame.dcm"))
        let image = try DicomFrameDecoder().decode(file, frame: 1)
        XCTAssertEqual(image.channels, 3)
        XCTAssertEqual(image.sampleType, .uint16)
        XCTAssertThrowsError(try file.rgbSamples(frame: 2)) { XCTAssertEqual(($0 as? ReticleError)?.kind, .usage) }

        // A 15-frame dose grid as a stack: frame k of the stack is frame k decoded alone.
        let dose = try DicomFile(path: try corpus("rtdose.dcm"))
        let stack = try DicomFrameDecoder().decodeStack(dose)
        XCTAssertEqual(stack.count, 15)
        XCTAssertEqual(stack[7].floatPixels(), try dose.modalityValues(frame: 7))
        XCTAssertNotEqual(stack[0].floatPixels(), stack[14].floatPixels())

        let palette = try DicomFrameDecoder().decode(DicomFile(path: try corpus("examples_palette.dcm")))
        XCTAssertEqual(palette.channels, 3, "palette colour expands to RGB")
        XCTAssertEqual(palette.sampleType, .uint8)
    }

    func testRecognizes() throws {
        let inspector = DicomInspector()
        var withPreamble = [UInt8](repeating: 0, count: 132)
        withPreamble.replaceSubrange(128..<132, with: Array("DICM".utf8))
        XCTAssertTrue(inspector.recognizes(path: "/x/file", header: withPreamble))
        XCTAssertTrue(inspector.recognizes(path: "/x/IMG.DCM", header: [1, 2, 3]))
        // A bare dataset: (0008,0005) CS ...
        XCTAssertTrue(inspector.recognizes(path: "/x/file", header: [0x08, 0, 0x05, 0, 0x43, 0x53, 0x0A, 0]))
        XCTAssertFalse(inspector.recognizes(path: "/x/a.tif", header: Array("II*\0\u{8}\0\0\0".utf8)))
        XCTAssertFalse(inspector.recognizes(path: "/x/a.png", header: [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]))
        // Bare datasets without a meta header, recognised by content under another name.
        for name in ["ExplVR_LitEndNoMeta.dcm", "ExplVR_BigEndNoMeta.dcm", "rtstruct.dcm"] {
            guard let p = Corpus.path("dicom/\(name)") else { continue }
            let header = try FileHeader.read(path: p, count: 4096)
            XCTAssertTrue(DicomInspector().recognizes(path: "/renamed/file", header: header), name)
        }
    }

    /// Decoders registered once and used from many threads; one file shared between threads.
    func testConcurrentDecoding() throws {
        let names = ["CT_small.dcm", "MR_small_RLE.dcm", "MR_small_jpeg_ls_lossless.dcm", "JPGExtended.dcm",
                     "SC_rgb_jpeg_dcmtk.dcm", "examples_ybr_color.dcm", "sm_image.dcm", "rtdose_expb.dcm",
                     "MR_small_jp2klossless.dcm", "GDCMJ2K_TextGBR.dcm"]
        let paths = try names.map { try corpus($0) }
        let shared = try DicomFile(path: paths[0])
        let reference = try shared.modalityValues(frame: 0)
        let failures = ManagedFailures()
        DispatchQueue.concurrentPerform(iterations: 20) { i in
            do {
                let file = try DicomFile(path: paths[i % paths.count])
                _ = try DicomFrameDecoder().decode(file, frame: 0)
                if try shared.modalityValues(frame: 0) != reference { failures.add("shared file decoded differently") }
            } catch {
                failures.add("\(paths[i % paths.count]): \(error)")
            }
        }
        XCTAssertEqual(failures.all, [])
    }

    // MARK: - Hostile files

    func hostile(_ name: String, _ build: (inout DicomBytes) -> Void) throws -> String {
        var b = DicomBytes.withMeta()
        build(&b)
        let dir = makeTemporaryDirectory("reticle-dicom")
        addTeardownBlock { try? FileManager.default.removeItem(at: dir) }
        let url = dir.appendingPathComponent(name)
        try b.write(to: url)
        return url.path
    }

    func assertFails(_ path: String, _ kind: ReticleError.Kind, containing text: String,
                     file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertThrowsError(try DicomInspector().inspect(path: path, options: InspectOptions()), file: file, line: line) {
            guard let e = $0 as? ReticleError else { return XCTFail("not a ReticleError: \($0)", file: file, line: line) }
            XCTAssertEqual(e.kind, kind, e.description, file: file, line: line)
            XCTAssertEqual(e.file, path, file: file, line: line)
            XCTAssertTrue(e.reason.contains(text), e.description, file: file, line: line)
        }
    }

    func testHugeElementLength() throws {
        let path = try hostile("huge.dcm") {
            $0.imagePixelModule(rows: 512, columns: 512)
            $0.element(0x7FE0, 0x0010, "OW", [1, 2, 3, 4], length: 0xFFFF_FFF0)
        }
        assertFails(path, .corrupt, containing: "ends inside an element")
        let unknown = try hostile("huge-un.dcm") { $0.element(0x0011, 0x0010, "UN", [0x61, 0x62], length: 0x7FFF_FFFE) }
        assertFails(unknown, .corrupt, containing: "not a readable DICOM file")
    }

    func testPixelDataShorterThanItsGeometry() throws {
        let path = try hostile("short.dcm") {
            $0.imagePixelModule(rows: 512, columns: 512)
            $0.element(0x7FE0, 0x0010, "OW", [UInt8](repeating: 7, count: 100))
        }
        assertFails(path, .corrupt, containing: "truncated: 100 bytes")
        // Frames that the data cannot hold are refused before anything is allocated for them.
        let many = try hostile("frames.dcm") {
            $0.text(0x0028, 0x0008, "IS", "2000000000")
            $0.imagePixelModule(rows: 65535, columns: 65535, bitsAllocated: 8)
            $0.element(0x7FE0, 0x0010, "OB", [UInt8](repeating: 7, count: 64))
        }
        assertFails(many, .unsupported, containing: "larger than Reticle decodes")
        let big = try hostile("big.dcm") {
            $0.imagePixelModule(rows: 16000, columns: 16000, bitsAllocated: 8)
            $0.element(0x7FE0, 0x0010, "OB", [UInt8](repeating: 7, count: 64))
        }
        assertFails(big, .corrupt, containing: "truncated")
    }

    func testImpossibleImagePixelModules() throws {
        let zero = try hostile("zero.dcm") {
            $0.imagePixelModule(rows: 0, columns: 4)
            $0.element(0x7FE0, 0x0010, "OW", [0, 0])
        }
        assertFails(zero, .corrupt, containing: "impossible image size")
        let twelve = try hostile("twelve.dcm") {
            $0.imagePixelModule(rows: 2, columns: 2, bitsAllocated: 12)
            $0.element(0x7FE0, 0x0010, "OW", [UInt8](repeating: 0, count: 6))
        }
        assertFails(twelve, .unsupported, containing: "BitsAllocated 12")
        let rgbOne = try hostile("rgb1.dcm") {
            $0.imagePixelModule(rows: 2, columns: 2, bitsAllocated: 8, photometric: "RGB")
            $0.element(0x7FE0, 0x0010, "OB", [UInt8](repeating: 0, count: 4))
        }
        assertFails(rgbOne, .unsupported, containing: "SamplesPerPixel 1")
    }

    func testGarbageAndEmptyFiles() throws {
        let dir = makeTemporaryDirectory("reticle-dicom")
        addTeardownBlock { try? FileManager.default.removeItem(at: dir) }
        var rng = SeededRandom(seed: 7)
        for i in 0..<8 {
            let url = dir.appendingPathComponent("noise\(i).dcm")
            try Data((0..<(257 * (i + 1))).map { _ in UInt8.random(in: 0...255, using: &rng) }).write(to: url)
            do {
                _ = try DicomInspector().inspect(path: url.path, options: InspectOptions())
            } catch let e as ReticleError {
                XCTAssertEqual(e.file, url.path)
            }
        }
        let empty = dir.appendingPathComponent("empty.dcm")
        try Data().write(to: empty)
        XCTAssertThrowsError(try DicomFile(path: empty.path)) { XCTAssertTrue($0 is ReticleError) }
        XCTAssertThrowsError(try DicomFile(path: dir.appendingPathComponent("missing.dcm").path)) {
            XCTAssertEqual(($0 as? ReticleError)?.kind, .io)
        }
    }
}

/// Failures collected from concurrent work.
final class ManagedFailures: @unchecked Sendable {
    private let lock = NSLock()
    private var items: [String] = []
    func add(_ s: String) { lock.lock(); items.append(s); lock.unlock() }
    var all: [String] { lock.lock(); defer { lock.unlock() }; return items }
}
