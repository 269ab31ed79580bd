// Builds small DICOM files byte by byte (explicit VR little endian) for the malformed-input tests,
// so each hostile case is a few lines of data rather than a checked-in binary.

import Foundation

public struct DicomBytes {
    public private(set) var data = Data()

    public init() {}

    /// Preamble, "DICM" and a meta header naming `transferSyntax`.
    public static func withMeta(transferSyntax: String = "1.2.840.10008.1.2.1") -> DicomBytes {
        var meta = DicomBytes()
        meta.element(0x0002, 0x0010, "UI", uid(transferSyntax))
        var out = DicomBytes()
        out.data.append(Data(repeating: 0, count: 128))
        out.data.append(contentsOf: Array("DICM".utf8))
        out.element(0x0002, 0x0000, "UL", le32(UInt32(meta.data.count)))
        out.data.append(meta.data)
        return out
    }

    /// One element; OB/OW/UN/SQ/UT get the 4-byte length form. `length` overrides the true one.
    public mutating func element(_ group: UInt16, _ element: UInt16, _ vr: String, _ value: [UInt8], length: UInt32? = nil) {
        data.append(contentsOf: Self.le16(group) + Self.le16(element) + Array(vr.utf8))
        if ["OB", "OW", "UN", "SQ", "UT"].contains(vr) {
            data.append(contentsOf: [0, 0] + Self.le32(length ?? UInt32(value.count)))
        } else {
            data.append(contentsOf: Self.le16(UInt16(length ?? UInt32(value.count))))
        }
        data.append(contentsOf: value)
    }

    /// Bytes as they are (item tags, delimiters, encapsulated fragments).
    public mutating func raw(_ bytes: [UInt8]) { data.append(contentsOf: bytes) }

    public mutating func us(_ group: UInt16, _ element: UInt16, _ v: UInt16) { self.element(group, element, "US", Self.le16(v)) }

    public mutating func text(_ group: UInt16, _ element: UInt16, _ vr: String, _ s: String) {
        var b = Array(s.utf8)
        if b.count % 2 == 1 { b.append(0x20) }
        self.element(group, element, vr, b)
    }

    /// A monochrome image pixel module.
    public mutating func imagePixelModule(rows: UInt16, columns: UInt16, bitsAllocated: UInt16 = 16,
                                   photometric: String = "MONOCHROME2") {
        us(0x0028, 0x0002, 1)
        text(0x0028, 0x0004, "CS", photometric)
        us(0x0028, 0x0010, rows)
        us(0x0028, 0x0011, columns)
        us(0x0028, 0x0100, bitsAllocated)
        us(0x0028, 0x0101, bitsAllocated)
        us(0x0028, 0x0102, bitsAllocated - 1)
        us(0x0028, 0x0103, 0)
    }

    /// A complete 8-bit MONOCHROME2 image object (CT Image Storage) with a patient, a study and a
    /// series, pixels (x + 3y) mod 256: what the result writers and folder walks read in tests.
    public static func image(rows: UInt16 = 8, columns: UInt16 = 8, patientName: String = "Doe^Jane",
                             patientID: String = "PID-4711", preamble: Bool = true) -> DicomBytes {
        let sopClass = "1.2.840.10008.5.1.4.1.1.2"
        let instance = "1.2.826.0.1.3680043.10.1234.3.1"
        var b: DicomBytes
        if preamble {
            var meta = DicomBytes()
            meta.element(0x0002, 0x0001, "OB", [0, 1])
            meta.element(0x0002, 0x0002, "UI", uid(sopClass))
            meta.element(0x0002, 0x0003, "UI", uid(instance))
            meta.element(0x0002, 0x0010, "UI", uid("1.2.840.10008.1.2.1"))
            b = DicomBytes()
            b.data.append(Data(repeating: 0, count: 128))
            b.data.append(contentsOf: Array("DICM".utf8))
            b.element(0x0002, 0x0000, "UL", le32(UInt32(meta.data.count)))
            b.data.append(meta.data)
        } else {
            b = DicomBytes()
        }
        b.element(0x0008, 0x0016, "UI", uid(sopClass))
        b.element(0x0008, 0x0018, "UI", uid(instance))
        b.text(0x0008, 0x0060, "CS", "CT")
        b.text(0x0010, 0x0010, "PN", patientName)
        b.text(0x0010, 0x0020, "LO", patientID)
        b.element(0x0020, 0x000D, "UI", uid("1.2.826.0.1.3680043.10.1234.1"))
        b.element(0x0020, 0x000E, "UI", uid("1.2.826.0.1.3680043.10.1234.2"))
        b.imagePixelModule(rows: rows, columns: columns, bitsAllocated: 8)
        var pixels = [UInt8]()
        for y in 0..<Int(rows) { for x in 0..<Int(columns) { pixels.append(UInt8((x + 3 * y) % 256)) } }
        if pixels.count % 2 == 1 { pixels.append(0) }
        b.element(0x7FE0, 0x0010, "OB", pixels)
        return b
    }

    public func write(to url: URL) throws { try data.write(to: url) }

    public static func le16(_ v: UInt16) -> [UInt8] { [UInt8(v & 0xFF), UInt8(v >> 8)] }
    public static func le32(_ v: UInt32) -> [UInt8] { (0..<4).map { UInt8((v >> (8 * $0)) & 0xFF) } }
    public static func uid(_ s: String) -> [UInt8] {
        var b = Array(s.utf8)
        if b.count % 2 == 1 { b.append(0) }
        return b
    }
}
