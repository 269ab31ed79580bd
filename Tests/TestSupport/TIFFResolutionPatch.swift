// Rewrites the XResolution, YResolution and ResolutionUnit of a little-endian TIFF written by
// ImageFile in place, so tests can give exact rationals (1/4294967295) that no calibration
// round-trips to through the writer's float tags.

import Foundation

public enum TIFFResolutionPatch {
    /// Sets both rationals and the unit (2 inch, 3 cm) in the first IFD; the file must already carry all three tags.
    public static func set(path: String, x: (UInt32, UInt32), y: (UInt32, UInt32), unit: UInt16) throws {
        var d = [UInt8](try Data(contentsOf: URL(fileURLWithPath: path)))
        func u16(_ o: Int) -> Int { Int(d[o]) | Int(d[o + 1]) << 8 }
        func u32(_ o: Int) -> Int { u16(o) | u16(o + 2) << 16 }
        func put32(_ o: Int, _ v: UInt32) { for k in 0..<4 { d[o + k] = UInt8(truncatingIfNeeded: v >> (8 * k)) } }
        precondition(d[0] == 0x49 && d[1] == 0x49, "little-endian TIFF expected")
        let ifd = u32(4)
        var found = 0
        for i in 0..<u16(ifd) {
            let e = ifd + 2 + 12 * i
            switch u16(e) {
            case 282: put32(u32(e + 8), x.0); put32(u32(e + 8) + 4, x.1); found += 1
            case 283: put32(u32(e + 8), y.0); put32(u32(e + 8) + 4, y.1); found += 1
            case 296: d[e + 8] = UInt8(unit & 0xff); d[e + 9] = UInt8(unit >> 8); found += 1
            default: break
            }
        }
        precondition(found == 3, "the TIFF lacks resolution tags")
        try Data(d).write(to: URL(fileURLWithPath: path))
    }
}
