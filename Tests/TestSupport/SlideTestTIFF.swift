// Corrupting one tile of a generated slide, for the slide tests of Medical and the CLI.

import Foundation

public enum SlideTestTIFF {
    /// Overwrites tile `tile` of page `page` of a little-endian classic TIFF with bytes no decompressor accepts.
    public static func corruptTile(path: String, page: Int, tile: Int) throws {
        var d = [UInt8](try Data(contentsOf: URL(fileURLWithPath: path)))
        func u16(_ o: Int) -> Int { Int(d[o]) | Int(d[o + 1]) << 8 }
        func u32(_ o: Int) -> Int { u16(o) | u16(o + 2) << 16 }
        var ifd = u32(4)
        for _ in 0..<page { ifd = u32(ifd + 2 + 12 * u16(ifd)) }
        var offsets = 0, counts = 0
        for i in 0..<u16(ifd) {
            let e = ifd + 2 + 12 * i
            if u16(e) == 324 { offsets = u32(e + 8) }
            if u16(e) == 325 { counts = u32(e + 8) }
        }
        precondition(offsets > 0 && counts > 0, "not a tiled page")
        let start = u32(offsets + 4 * tile), length = u32(counts + 4 * tile)
        for k in start..<(start + length) { d[k] = 0x5A }
        try Data(d).write(to: URL(fileURLWithPath: path))
    }
}
