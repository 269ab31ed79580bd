// The entries of a TIFF's first directory (classic or BigTIFF), read with ByteReader so every
// entry's data can be checked against the file before libtiff is trusted with it: libtiff drops
// a tag whose data lies past the end with only a warning, and a GeoTIFF must not lose its
// georeferencing silently.

import Foundation
import Shared

struct TIFFDirectory {
    struct Entry {
        let tag: UInt16
        let type: UInt16
        let count: Int
        /// Where the value lies: inside the entry when it fits, else the stored offset.
        let dataOffset: Int
        let byteCount: Int
    }

    let entries: [Entry]

    /// Bytes per value of each TIFF field type (0: unknown type).
    static func typeSize(_ type: UInt16) -> Int {
        switch type {
        case 1, 2, 6, 7: return 1
        case 3, 8: return 2
        case 4, 9, 11, 13: return 4
        case 5, 10, 12, 16, 17, 18: return 8
        default: return 0
        }
    }

    /// Parses the first directory; throws when the header, the directory or any entry's data lies outside the file.
    init(_ file: ByteReader) throws {
        var r = file
        let order = try r.u16(0, "byte order mark")
        guard order == 0x4949 || order == 0x4D4D else {
            throw ReticleError(.unsupported, file: r.file, "not a TIFF (no II/MM byte order mark)")
        }
        r.bigEndian = order == 0x4D4D
        let magic = try r.u16(2, "TIFF version")
        guard magic == 42 || magic == 43 else {
            throw ReticleError(.unsupported, file: r.file, "not a TIFF (version \(magic), expected 42 or 43)")
        }
        let big = magic == 43
        let ifd = big ? try r.int(try r.u64(8, "first directory offset"), "first directory offset") : Int(try r.u32(4, "first directory offset"))
        let count = big ? try r.int(try r.u64(ifd, "directory entry count"), "directory entry count") : Int(try r.u16(ifd, "directory entry count"))
        let (start, size, inline) = big ? (ifd + 8, 20, 8) : (ifd + 2, 12, 4)
        guard count > 0, count <= 65535 else {
            throw ReticleError(.corrupt, file: r.file, "the first TIFF directory claims \(count) entries")
        }
        try r.check(start, count * size, "first TIFF directory (\(count) entries)")
        entries = try (0..<count).map { i in
            let o = start + i * size
            let tag = try r.u16(o), type = try r.u16(o + 2)
            let n = big ? try r.int(try r.u64(o + 4), "entry count") : Int(try r.u32(o + 4))
            let width = Self.typeSize(type)
            let (bytes, overflow) = n.multipliedReportingOverflow(by: width)
            guard !overflow else { throw ReticleError(.corrupt, file: r.file, "TIFF tag \(tag) claims \(n) values") }
            let valueAt = o + (big ? 12 : 8)
            let dataOffset = bytes <= inline ? valueAt
                : big ? try r.int(try r.u64(valueAt), "tag \(tag) data offset") : Int(try r.u32(valueAt))
            if width > 0 { try r.check(dataOffset, bytes, "TIFF tag \(tag) data (\(n) values)") }
            return Entry(tag: tag, type: type, count: n, dataOffset: dataOffset, byteCount: bytes)
        }
    }

    var tags: [UInt16] { entries.map(\.tag) }
}
