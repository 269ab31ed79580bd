// Reliability of the DICOM reader: deeply nested sequences are refused before dcmtk recurses
// into them, and a bare dataset that does not say what it is (64 zero bytes, a file cut at an
// element boundary) is an error rather than an empty "ok" object.

import Foundation
@testable import Medical
import Shared
import TestSupport
import XCTest

final class DicomReliabilityTests: XCTestCase {
    private var dir: URL!
    override func setUp() { dir = makeTemporaryDirectory("reticle-dicom-reliability") }
    override func tearDown() { try? FileManager.default.removeItem(at: dir) }

    private func assertCorrupt(_ data: Data, _ name: String, containing part: String, line: UInt = #line) throws {
        let url = dir.appendingPathComponent(name)
        try data.write(to: url)
        XCTAssertThrowsError(try DicomFile(path: url.path), name, line: line) { e in
            XCTAssertEqual((e as? ReticleError)?.kind, .corrupt, "\(e)", line: line)
            XCTAssertTrue("\(e)".contains(name) && "\(e)".contains(part), "\(e)", line: line)
        }
    }

    /// `levels` sequences, each with one item holding the next, all of undefined length.
    private func nested(_ levels: Int, explicit: Bool) -> Data {
        var d = Data()
        let sq: [UInt8] = [0x08, 0x00, 0x15, 0x11]  // (0008,1115) Referenced Series Sequence
        for _ in 0..<levels {
            d.append(contentsOf: sq + (explicit ? Array("SQ".utf8) + [0, 0] : []) + [0xFF, 0xFF, 0xFF, 0xFF])
            d.append(contentsOf: [0xFE, 0xFF, 0x00, 0xE0, 0xFF, 0xFF, 0xFF, 0xFF])
        }
        for _ in 0..<levels {
            d.append(contentsOf: [0xFE, 0xFF, 0x0D, 0xE0, 0, 0, 0, 0])
            d.append(contentsOf: [0xFE, 0xFF, 0xDD, 0xE0, 0, 0, 0, 0])
        }
        return d
    }

    func testDeeplyNestedSequencesAreRefused() throws {
        var withMeta = DicomBytes.withMeta()
        withMeta.text(0x0008, 0x0016, "UI", "1.2.840.10008.5.1.4.1.1.7")
        var file = withMeta.data
        file.append(nested(10_000, explicit: true))
        try assertCorrupt(file, "nested.dcm", containing: "nested more than \(DicomPreScan.maxSequenceDepth)")
        // Implicit VR little endian, bare.
        var implicit = Data([0x08, 0x00, 0x16, 0x00]) + Data(DicomBytes.le32(UInt32(26)))
        implicit.append(contentsOf: DicomBytes.uid("1.2.840.10008.5.1.4.1.1.7"))
        implicit.append(nested(10_000, explicit: false))
        try assertCorrupt(implicit, "implicit.dcm", containing: "nested more than")
        // Shallow nesting is read as before.
        let ok = withMeta.data + nested(5, explicit: true)
        XCTAssertEqual(ok.withUnsafeBytes { DicomPreScan.sequenceDepth($0) }, 5)
        let url = dir.appendingPathComponent("shallow.dcm")
        try ok.write(to: url)
        XCTAssertNoThrow(try DicomFile(path: url.path))
    }

    func testBareDataWithoutIdentityIsAnError() throws {
        try assertCorrupt(Data(count: 64), "zeros.dcm", containing: "no DICOM preamble")
        // A dataset cut at an element boundary after its first element.
        var cut = DicomBytes()
        cut.text(0x0008, 0x0005, "CS", "ISO_IR 100")
        try assertCorrupt(cut.data, "cut.dcm", containing: "SOP Class")
        // The same dataset saying what it is opens.
        cut.text(0x0008, 0x0016, "UI", "1.2.840.10008.5.1.4.1.1.7")
        let url = dir.appendingPathComponent("bare.dcm")
        try cut.write(to: url)
        XCTAssertFalse(try DicomFile(path: url.path).hasMetaHeader)
    }
}
