// Damaged copies of DICOM files — cut short at many lengths, header bytes overwritten, codestream
// bytes garbled — must give a ReticleError naming the file, or decode; never crash or hang.
// The generated image runs everywhere; the corpus files (one per codec) when ../shared is present.

import Foundation
import Medical
import Shared
import TestSupport
import XCTest

final class DicomFuzzTests: XCTestCase {
    private var dir: URL!
    override func setUp() { dir = makeTemporaryDirectory("reticle-dicom-fuzz") }
    override func tearDown() { try? FileManager.default.removeItem(at: dir) }

    static let corpusSources = ["CT_small.dcm", "SC_rgb_jpeg.dcm", "MR_small_jp2klossless.dcm", "SC_rgb_rle.dcm",
                                "MR_small_jpeg_ls_lossless.dcm", "GDCMJ2K_TextGBR.dcm", "sr_document.dcm",
                                "ExplVR_BigEndNoMeta.dcm"]

    /// Opens, inspects and decodes up to two frames; true when it all succeeded.
    @discardableResult
    private func exercise(_ data: Data, _ name: String, line: UInt = #line) -> Bool {
        let url = dir.appendingPathComponent(name)
        do {
            try data.write(to: url)
            let file = try DicomFile(path: url.path)
            _ = try DicomInspector().inspect(path: url.path, options: InspectOptions())
            if file.hasPixelData {
                let frames = try file.imageInfo().frames
                for f in 0..<min(frames, 2) { _ = try DicomFrameDecoder().decode(file, frame: f) }
            }
            return true
        } catch let e as ReticleError {
            XCTAssertEqual(e.file, url.path, "\(e)", line: line)
            XCTAssertFalse(e.reason.isEmpty, line: line)
            return false
        } catch {
            XCTFail("\(name): not a ReticleError: \(error)", line: line)
            return false
        }
    }

    /// Deterministic positions in 0..<bound (a linear congruential sequence).
    private static func positions(_ count: Int, below bound: Int, seed: UInt64) -> [Int] {
        var x = seed
        return (0..<count).map { _ in
            x = x &* 6364136223846793005 &+ 1442695040888963407
            return Int((x >> 33) % UInt64(max(bound, 1)))
        }
    }

    private func corrupt(_ original: Data, _ stem: String, pixelStart: Int?) {
        let n = original.count
        // Cut short: at fixed lengths, every eighth of the file, and one byte before the end.
        var cuts = [1, 8, 64, 128, 131, 132, 140, 200] + (1..<8).map { n * $0 / 8 } + [n - 1]
        cuts = cuts.filter { $0 < n }
        for k in cuts {
            let ok = exercise(original.prefix(k), "\(stem)-cut\(k).dcm")
            // A file cut inside its pixel data cannot decode.
            if let pixelStart, k > pixelStart + 12 { XCTAssertFalse(ok, "\(stem) cut at \(k) of \(n) decoded") }
        }
        // Header bytes overwritten, one at a time and in bursts.
        let header = min(n, 1024)
        for (i, p) in Self.positions(24, below: header, seed: UInt64(n)).enumerated() {
            var d = original
            d[d.startIndex + p] ^= i % 2 == 0 ? 0xFF : 0x5A
            if i % 3 == 0 { for q in p..<min(p + 8, n) { d[d.startIndex + q] = 0xFF } }
            exercise(d, "\(stem)-flip\(p).dcm")
        }
        // Pixel data / codestream bytes garbled.
        if let pixelStart, pixelStart < n - 16 {
            for p in Self.positions(6, below: n - pixelStart, seed: UInt64(n) &+ 7) {
                var d = original
                for q in (pixelStart + p)..<min(pixelStart + p + 16, n) { d[d.startIndex + q] = UInt8(truncatingIfNeeded: q &* 31) }
                exercise(d, "\(stem)-garble\(p).dcm")
            }
        }
    }

    func testGeneratedImageCorruptions() throws {
        let data = DicomBytes.image(rows: 16, columns: 16).data
        XCTAssertTrue(exercise(data, "intact.dcm"))
        // Pixel data is the last element: its 12-byte header starts 256 bytes before the end.
        corrupt(data, "generated", pixelStart: data.count - 256 - 12)
    }

    func testCorpusCorruptions() throws {
        guard Corpus.path("dicom/CT_small.dcm") != nil else { throw XCTSkip(Corpus.missing("dicom/CT_small.dcm")) }
        for name in Self.corpusSources {
            let path = try XCTUnwrap(Corpus.path("dicom/\(name)"))
            let data = try Data(contentsOf: URL(fileURLWithPath: path))
            XCTAssertTrue(exercise(data, name), name)
            // The Pixel Data tag (7FE0,0010), little or big endian, marks where the pixels start.
            let le = Data([0xE0, 0x7F, 0x10, 0x00]), be = Data([0x7F, 0xE0, 0x00, 0x10])
            let tag = data.range(of: le, options: .backwards) ?? data.range(of: be, options: .backwards)
            corrupt(data, (name as NSString).deletingPathExtension, pixelStart: tag.map { $0.lowerBound - data.startIndex })
        }
    }
}
