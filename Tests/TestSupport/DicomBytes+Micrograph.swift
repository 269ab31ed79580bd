// A grey micrograph as a VL Microscopic Image object (explicit VR little endian), for the tests
// that feed DICOM micrographs through the micro commands.

import Foundation

extension DicomBytes {
    /// `pixels` (row-major 8-bit grey, `rows × columns`, `frames` copies) with PixelSpacing
    /// `spacingMM` (row\column, mm) when given.
    public static func micrograph(pixels: [UInt8], rows: UInt16, columns: UInt16, spacingMM: (Double, Double)?,
                                  frames: Int = 1) -> DicomBytes {
        let sopClass = "1.2.840.10008.5.1.4.1.1.77.1.2"
        let instance = "1.2.826.0.1.3680043.10.1234.7.1"
        var meta = DicomBytes()
        meta.element(0x0002, 0x0001, "OB", [0, 1])
        meta.element(0x0002, 0x0002, "UI", uid(sopClass))
        meta.element(0x0002, 0x0003, "UI", uid(instance))
        meta.element(0x0002, 0x0010, "UI", uid("1.2.840.10008.1.2.1"))
        var b = DicomBytes()
        b.raw([UInt8](repeating: 0, count: 128) + Array("DICM".utf8))
        b.element(0x0002, 0x0000, "UL", le32(UInt32(meta.data.count)))
        b.raw(Array(meta.data))
        b.element(0x0008, 0x0016, "UI", uid(sopClass))
        b.element(0x0008, 0x0018, "UI", uid(instance))
        b.text(0x0008, 0x0060, "CS", "GM")
        b.element(0x0020, 0x000D, "UI", uid("1.2.826.0.1.3680043.10.1234.7.2"))
        b.element(0x0020, 0x000E, "UI", uid("1.2.826.0.1.3680043.10.1234.7.3"))
        b.us(0x0028, 0x0002, 1)
        b.text(0x0028, 0x0004, "CS", "MONOCHROME2")
        if frames > 1 { b.text(0x0028, 0x0008, "IS", "\(frames)") }
        b.us(0x0028, 0x0010, rows)
        b.us(0x0028, 0x0011, columns)
        if let (row, column) = spacingMM { b.text(0x0028, 0x0030, "DS", "\(row)\\\(column)") }
        b.us(0x0028, 0x0100, 8)
        b.us(0x0028, 0x0101, 8)
        b.us(0x0028, 0x0102, 7)
        b.us(0x0028, 0x0103, 0)
        var all = [UInt8]()
        for _ in 0..<frames { all += pixels }
        if all.count % 2 == 1 { all.append(0) }
        b.element(0x7FE0, 0x0010, "OB", all)
        return b
    }
}
