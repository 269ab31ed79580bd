// Builds small DICOM files byte by byte (explicit VR little endian) for the malformed-input tests,
// so each hostile case is a few lines of data rather than a checked-in binary.

import Foundation

struct DicomBytes {
    private(set) var data = Data()

    /// Preamble, "DICM" and a meta header naming `transferSyntax`.
    static func withMeta(transferSyntax: String = "1.2.840.10008.1.2.1") -> DicomBytes {
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
    mutating func element(_ group: UInt16, _ element: UInt16, _ vr: String, _ value: [UInt8], length: UInt32? = nil) {
        data.append(contentsOf: Self.le16(group) + Self.le16(element) + Array(vr.utf8))
        if ["OB", "OW", "UN", "SQ", "UT"].contains(vr) {
            data.append(contentsOf: [0, 0] + Self.le32(length ?? UInt32(value.count)))
        } else {
            data.append(contentsOf: Self.le16(UInt16(length ?? UInt32(value.count))))
        }
        data.append(contentsOf: value)
    }

    mutating func us(_ group: UInt16, _ element: UInt16, _ v: UInt16) { self.element(group, element, "US", Self.le16(v)) }

    mutating func text(_ group: UInt16, _ element: UInt16, _ vr: String, _ s: String) {
        var b = Array(s.utf8)
        if b.count % 2 == 1 { b.append(0x20) }
        self.element(group, element, vr, b)
    }

    /// A monochrome image pixel module.
    mutating func imagePixelModule(rows: UInt16, columns: UInt16, bitsAllocated: UInt16 = 16,
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

    func write(to url: URL) throws { try data.write(to: url) }

    static func le16(_ v: UInt16) -> [UInt8] { [UInt8(v & 0xFF), UInt8(v >> 8)] }
    static func le32(_ v: UInt32) -> [UInt8] { (0..<4).map { UInt8((v >> (8 * $0)) & 0xFF) } }
    static func uid(_ s: String) -> [UInt8] {
        var b = Array(s.utf8)
        if b.count % 2 == 1 { b.append(0) }
        return b
    }
}
