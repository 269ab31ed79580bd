// The JPEG 2000 codec's frame location in multi-frame objects: one fragment per frame, frames
// split over several fragments found through the Basic Offset Table, or (no table, or one that
// lies) by where codestreams start. Built from the lossless codestream of MR_small_jp2klossless.dcm
// repeated, so each decoded frame must be MR_small exactly.

import Foundation
import Medical
import Shared
import TestSupport
import XCTest

final class DicomJ2KFramesTests: XCTestCase {
    private var dir: URL!
    override func setUp() { dir = makeTemporaryDirectory("reticle-j2k-frames") }
    override func tearDown() { try? FileManager.default.removeItem(at: dir) }

    /// The codestream fragment of the corpus file (from its SOC marker, the item's length).
    private func codestream() throws -> [UInt8] {
        guard let path = Corpus.path("dicom/MR_small_jp2klossless.dcm") else {
            throw XCTSkip(Corpus.missing("dicom/MR_small_jp2klossless.dcm"))
        }
        let bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: path)))
        let soc: [UInt8] = [0xFF, 0x4F, 0xFF, 0x51]
        let start = try XCTUnwrap((8..<(bytes.count - 4)).first { Array(bytes[$0..<($0 + 4)]) == soc })
        XCTAssertEqual(Array(bytes[(start - 8)..<(start - 4)]), [0xFE, 0xFF, 0x00, 0xE0])
        let length = Int(bytes[start - 4]) | Int(bytes[start - 3]) << 8 | Int(bytes[start - 2]) << 16 | Int(bytes[start - 1]) << 24
        return Array(bytes[start..<(start + length)])
    }

    private func item(_ value: [UInt8]) -> [UInt8] {
        [0xFE, 0xFF, 0x00, 0xE0] + DicomBytes.le32(UInt32(value.count)) + value
    }

    /// A 2-frame JPEG 2000 object whose pixel data holds `table` offsets and `fragments`.
    private func object(table: [UInt32], fragments: [[UInt8]], frames: Int = 2) -> DicomBytes {
        var b = DicomBytes.withMeta(transferSyntax: "1.2.840.10008.1.2.4.90")
        b.text(0x0008, 0x0016, "UI", "1.2.840.10008.5.1.4.1.1.4")
        b.imagePixelModule(rows: 64, columns: 64, bitsAllocated: 16)
        b.text(0x0028, 0x0008, "IS", String(frames))
        b.element(0x7FE0, 0x0010, "OB", [], length: 0xFFFF_FFFF)
        b.raw(item(table.flatMap { DicomBytes.le32($0) }))
        for f in fragments { b.raw(item(f)) }
        b.raw([0xFE, 0xFF, 0xDD, 0xE0, 0, 0, 0, 0])
        return b
    }

    private func decodeBoth(_ b: DicomBytes, _ name: String, line: UInt = #line) throws -> [[Float]] {
        let url = dir.appendingPathComponent(name)
        try b.write(to: url)
        let file = try DicomFile(path: url.path)
        return try (0..<2).map { try file.modalityValues(frame: $0) }
    }

    func testFramesAreFoundInEveryLayout() throws {
        let code = try codestream()
        let reference = try DicomFile(path: try XCTUnwrap(Corpus.path("dicom/MR_small.dcm"))).modalityValues(frame: 0)
        let half = (code.count / 2) & ~1
        let a = Array(code[..<half]), b = Array(code[half...])
        let layouts: [(String, DicomBytes)] = [
            ("one-per-frame", object(table: [], fragments: [code, code])),
            ("offset-table", object(table: [0, UInt32(8 + a.count + 8 + b.count)], fragments: [a, b, a, b])),
            ("no-table", object(table: [], fragments: [a, b, a, b])),
            ("lying-table", object(table: [0, 12345], fragments: [a, b, a, b])),
        ]
        for (name, bytes) in layouts {
            let frames = try decodeBoth(bytes, "\(name).dcm")
            XCTAssertEqual(frames[0], reference, name)
            XCTAssertEqual(frames[1], reference, name)
        }
    }

    func testMissingFramesAndForeignCodestreamsAreErrors() throws {
        let code = try codestream()
        // Three frames announced, two codestreams in four fragments present.
        let half = (code.count / 2) & ~1
        let url = dir.appendingPathComponent("missing.dcm")
        try object(table: [], fragments: [Array(code[..<half]), Array(code[half...]), Array(code[..<half]), Array(code[half...])],
                   frames: 3).write(to: url)
        let file = try DicomFile(path: url.path)
        XCTAssertNoThrow(try file.modalityValues(frame: 1))
        XCTAssertThrowsError(try file.modalityValues(frame: 2)) {
            XCTAssertTrue("\($0)".contains("cannot locate frame 2 among 4 fragments"), "\($0)")
        }
        // One fragment per frame, the second a cut codestream.
        let cut = dir.appendingPathComponent("cut.dcm")
        try object(table: [], fragments: [code, Array(code[..<64])]).write(to: cut)
        XCTAssertThrowsError(try DicomFile(path: cut.path).modalityValues(frame: 1)) {
            XCTAssertEqual(($0 as? ReticleError)?.kind, .corrupt)
            XCTAssertTrue("\($0)".contains("JPEG 2000: cannot"), "\($0)")
        }
        // A codestream of another size than the dataset says.
        var other = DicomBytes.withMeta(transferSyntax: "1.2.840.10008.1.2.4.90")
        other.text(0x0008, 0x0016, "UI", "1.2.840.10008.5.1.4.1.1.4")
        other.imagePixelModule(rows: 32, columns: 64, bitsAllocated: 16)
        other.element(0x7FE0, 0x0010, "OB", [], length: 0xFFFF_FFFF)
        other.raw(item([]))
        other.raw(item(code))
        other.raw([0xFE, 0xFF, 0xDD, 0xE0, 0, 0, 0, 0])
        let wrong = dir.appendingPathComponent("wrong-size.dcm")
        try other.write(to: wrong)
        XCTAssertThrowsError(try DicomFile(path: wrong.path).modalityValues(frame: 0)) {
            XCTAssertEqual(($0 as? ReticleError)?.kind, .corrupt)
            XCTAssertTrue("\($0)".contains("codestream is 64 × 64, the dataset says 64 × 32"), "\($0)")
        }
    }
}
