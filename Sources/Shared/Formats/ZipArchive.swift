// Reads ZIP containers (NumPy's .npz among them): the end-of-central-directory record (ZIP64 when
// the counts or offsets overflow 32 bits), the central directory, and each member's local header,
// with stored and deflated members. Every offset and size is checked against the file first.

import Foundation

/// A ZIP archive's table of contents; members are read (and inflated) on request.
public struct ZipArchive: Sendable {
    public struct Member: Equatable, Sendable {
        public var name: String
        /// 0 stored, 8 deflated (the only two read).
        public var method: UInt16
        public var crc32: UInt32
        public var compressedSize: Int
        public var size: Int
        public var localHeaderOffset: Int
        public var flags: UInt16
    }

    public let path: String
    public let members: [Member]
    private let reader: ByteReader

    /// Opens the archive at `path` (mapped, not copied).
    public init(path: String) throws {
        try self.init(reader: try ByteReader.open(path))
    }

    /// Reads an archive held in memory; `file` names it in errors.
    public init(bytes: Data, file: String) throws {
        try self.init(reader: ByteReader(bytes: bytes, file: file))
    }

    private init(reader: ByteReader) throws {
        self.reader = reader
        path = reader.file
        let eocd = try Self.findEndRecord(reader)
        var entries = Int(try reader.u16(eocd + 10, "entry count"))
        var directorySize = Int(try reader.u32(eocd + 12, "central directory size"))
        var directoryOffset = Int(try reader.u32(eocd + 16, "central directory offset"))
        if entries == 0xFFFF || directorySize == 0xFFFF_FFFF || directoryOffset == 0xFFFF_FFFF {
            // ZIP64: the locator sits just before the classic record and points at the ZIP64 record.
            let locator = eocd - 20
            guard locator >= 0, try reader.u32(locator, "ZIP64 locator") == 0x0706_4B50 else {
                throw ReticleError(.corrupt, file: path, "ZIP counts overflow 32 bits but there is no ZIP64 locator")
            }
            let record = try reader.int(try reader.u64(locator + 8, "ZIP64 record offset"), "ZIP64 record offset")
            guard try reader.u32(record, "ZIP64 end record") == 0x0606_4B50 else {
                throw ReticleError(.corrupt, file: path, "the ZIP64 end record is missing at byte \(record)")
            }
            entries = try reader.int(try reader.u64(record + 32, "ZIP64 entry count"), "ZIP64 entry count")
            directorySize = try reader.int(try reader.u64(record + 40, "ZIP64 central directory size"), "central directory size")
            directoryOffset = try reader.int(try reader.u64(record + 48, "ZIP64 central directory offset"), "central directory offset")
        }
        try reader.check(directoryOffset, directorySize, "ZIP central directory")
        // Each entry takes at least 46 bytes, which bounds a lying count before anything is allocated.
        guard entries <= directorySize / 46 else {
            throw ReticleError(.corrupt, file: path, "the ZIP central directory claims \(entries) entries in \(directorySize) bytes")
        }
        var members: [Member] = []
        var o = directoryOffset
        for i in 0..<entries {
            let what = "ZIP central directory entry \(i)"
            guard try reader.u32(o, what) == 0x0201_4B50 else {
                throw ReticleError(.corrupt, file: path, "\(what) at byte \(o) has no central-header signature")
            }
            let nameLength = Int(try reader.u16(o + 28, what)), extraLength = Int(try reader.u16(o + 30, what))
            let commentLength = Int(try reader.u16(o + 32, what))
            let nameBytes = try reader.slice(o + 46, nameLength, "\(what) name")
            var member = Member(name: String(decoding: nameBytes, as: UTF8.self), method: try reader.u16(o + 10, what),
                                crc32: try reader.u32(o + 16, what), compressedSize: Int(try reader.u32(o + 20, what)),
                                size: Int(try reader.u32(o + 24, what)), localHeaderOffset: Int(try reader.u32(o + 42, what)),
                                flags: try reader.u16(o + 8, what))
            try Self.applyZip64Extra(reader, at: o + 46 + nameLength, length: extraLength, to: &member, what: what)
            members.append(member)
            o += 46 + nameLength + extraLength + commentLength
            guard o <= directoryOffset + directorySize else {
                throw ReticleError(.corrupt, file: path, "\(what) runs past the end of the central directory")
            }
        }
        self.members = members
    }

    /// The member called `name`, if any.
    public func member(_ name: String) -> Member? { members.first { $0.name == name } }

    /// The uncompressed bytes of `member`, refusing more than `limit` bytes and checking its CRC-32.
    public func data(of member: Member, limit: Int = 1 << 34) throws -> Data {
        let what = "ZIP member \"\(member.name)\""
        guard member.flags & 1 == 0 else { throw ReticleError(.unsupported, file: path, "\(what) is encrypted") }
        guard member.size <= limit else {
            throw ReticleError(.corrupt, file: path, "\(what) claims \(member.size) bytes, more than the \(limit) allowed")
        }
        let o = member.localHeaderOffset
        guard try reader.u32(o, "\(what) local header") == 0x0403_4B50 else {
            throw ReticleError(.corrupt, file: path, "\(what): no local-header signature at byte \(o)")
        }
        let start = o + 30 + Int(try reader.u16(o + 26, what)) + Int(try reader.u16(o + 28, what))
        let raw = try reader.slice(start, member.compressedSize, "\(what) data")
        let bytes: Data
        switch member.method {
        case 0:
            guard member.compressedSize == member.size else {
                throw ReticleError(.corrupt, file: path, "\(what) is stored but its sizes differ (\(member.compressedSize) vs \(member.size))")
            }
            bytes = raw
        case 8:
            bytes = try Inflate.inflate(raw, framing: .raw, limit: member.size, file: path, what: what)
            guard bytes.count == member.size else {
                throw ReticleError(.corrupt, file: path, "\(what) inflates to \(bytes.count) bytes, the directory says \(member.size)")
            }
        default:
            throw ReticleError(.unsupported, file: path, "\(what) uses compression method \(member.method); only stored (0) and deflated (8) are read")
        }
        guard Inflate.crc32(bytes) == member.crc32 else {
            throw ReticleError(.corrupt, file: path, "\(what) fails its CRC-32 check")
        }
        return bytes
    }

    /// The uncompressed bytes of the member called `name`.
    public func data(_ name: String, limit: Int = 1 << 34) throws -> Data {
        guard let m = member(name) else { throw ReticleError(.corrupt, file: path, "the archive has no member \"\(name)\"") }
        return try data(of: m, limit: limit)
    }

    /// The end-of-central-directory record: the last signature within the 64 KiB comment window.
    private static func findEndRecord(_ reader: ByteReader) throws -> Int {
        guard reader.count >= 22 else { throw ReticleError(.corrupt, file: reader.file, "too short for a ZIP archive (\(reader.count) bytes)") }
        let lowest = Swift.max(0, reader.count - 22 - 0xFFFF)
        var o = reader.count - 22
        while o >= lowest {
            if reader.bytes[o] == 0x50, try reader.u32(o) == 0x0605_4B50,
               o + 22 + Int(try reader.u16(o + 20)) == reader.count {
                return o
            }
            o -= 1
        }
        throw ReticleError(.corrupt, file: reader.file, "no ZIP end-of-central-directory record; not a ZIP archive or cut short")
    }

    /// Replaces 32-bit sizes and offsets marked 0xFFFFFFFF with the ZIP64 extra field's 64-bit values.
    private static func applyZip64Extra(_ reader: ByteReader, at start: Int, length: Int, to m: inout Member, what: String) throws {
        try reader.check(start, length, "\(what) extra field")
        var o = start
        while o + 4 <= start + length {
            let id = try reader.u16(o, what), size = Int(try reader.u16(o + 2, what))
            guard o + 4 + size <= start + length else {
                throw ReticleError(.corrupt, file: reader.file, "\(what): an extra field runs past its entry")
            }
            if id == 0x0001 {
                var p = o + 4
                func next(_ field: String) throws -> Int {
                    guard p + 8 <= o + 4 + size else { throw ReticleError(.corrupt, file: reader.file, "\(what): the ZIP64 field lacks the \(field)") }
                    defer { p += 8 }
                    return try reader.int(try reader.u64(p, what), "\(what) \(field)")
                }
                if m.size == 0xFFFF_FFFF { m.size = try next("size") }
                if m.compressedSize == 0xFFFF_FFFF { m.compressedSize = try next("compressed size") }
                if m.localHeaderOffset == 0xFFFF_FFFF { m.localHeaderOffset = try next("local header offset") }
            }
            o += 4 + size
        }
    }
}
