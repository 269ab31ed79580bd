// Bounds-checked little/big-endian reads over a file's bytes, shared by the binary format parsers
// (LAS, MAT, ENVI so far).
// Every read checks offset + length against the buffer first, so a lying header becomes a ReticleError.

import Foundation

/// A read-only view of a file's bytes that never reads past its end.
public struct ByteReader: Sendable {
    public let bytes: Data
    /// Named in every error.
    public let file: String
    /// Byte order of the multi-byte reads; switchable mid-file (MAT files declare theirs in the header).
    public var bigEndian: Bool

    public init(bytes: Data, file: String, bigEndian: Bool = false) {
        // Rebase so that offsets start at 0 even when `bytes` is a slice.
        self.bytes = bytes.startIndex == 0 ? bytes : Data(bytes)
        self.file = file
        self.bigEndian = bigEndian
    }

    /// Maps the file (large point clouds and cubes are not copied up front).
    /// - Throws: `ReticleError(.io)` when the file is missing, a folder or unreadable.
    public static func open(_ path: String) throws -> ByteReader {
        var isDir: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDir) else {
            throw ReticleError(.io, file: path, "no such file")
        }
        if isDir.boolValue { throw ReticleError(.io, file: path, "is a folder, not a file") }
        do {
            return ByteReader(bytes: try Data(contentsOf: URL(fileURLWithPath: path), options: .alwaysMapped), file: path)
        } catch {
            throw ReticleError(.io, file: path, "cannot read: \(error.localizedDescription)")
        }
    }

    public var count: Int { bytes.count }

    /// Throws unless `length` bytes at `offset` lie inside the buffer; `what` names the field for the message.
    public func check(_ offset: Int, _ length: Int, _ what: String) throws {
        guard offset >= 0, length >= 0, offset <= count, length <= count - offset else {
            throw ReticleError(.corrupt, file: file,
                               "\(what) at byte \(offset) (\(length) bytes) lies beyond the end of the file (\(count) bytes); truncated or corrupt")
        }
    }

    // Fixed-size reads at byte offset `o` in the reader's byte order; `what` names the field in the error.

    public func u8(_ o: Int, _ what: String = "field") throws -> UInt8 {
        try check(o, 1, what)
        return bytes[o]
    }

    public func u16(_ o: Int, _ what: String = "field") throws -> UInt16 {
        try check(o, 2, what)
        let v = bytes.withUnsafeBytes { $0.loadUnaligned(fromByteOffset: o, as: UInt16.self) }
        return bigEndian ? UInt16(bigEndian: v) : UInt16(littleEndian: v)
    }

    public func u32(_ o: Int, _ what: String = "field") throws -> UInt32 {
        try check(o, 4, what)
        let v = bytes.withUnsafeBytes { $0.loadUnaligned(fromByteOffset: o, as: UInt32.self) }
        return bigEndian ? UInt32(bigEndian: v) : UInt32(littleEndian: v)
    }

    public func u64(_ o: Int, _ what: String = "field") throws -> UInt64 {
        try check(o, 8, what)
        let v = bytes.withUnsafeBytes { $0.loadUnaligned(fromByteOffset: o, as: UInt64.self) }
        return bigEndian ? UInt64(bigEndian: v) : UInt64(littleEndian: v)
    }

    public func i32(_ o: Int, _ what: String = "field") throws -> Int32 { Int32(bitPattern: try u32(o, what)) }
    public func f64(_ o: Int, _ what: String = "field") throws -> Double { Double(bitPattern: try u64(o, what)) }

    /// A fixed-width ASCII field, cut at the first NUL and trimmed.
    public func text(_ o: Int, _ length: Int, _ what: String = "text field") throws -> String {
        try check(o, length, what)
        var raw = [UInt8](bytes[o..<(o + length)])
        if let nul = raw.firstIndex(of: 0) { raw.removeSubrange(nul...) }
        return String(decoding: raw, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
    }

    /// `length` bytes at `o`, copied.
    public func slice(_ o: Int, _ length: Int, _ what: String) throws -> Data {
        try check(o, length, what)
        return bytes.subdata(in: o..<(o + length))
    }

    /// A UInt64 count or offset from the file as an Int, refusing values no file could hold.
    public func int(_ v: UInt64, _ what: String) throws -> Int {
        guard v <= UInt64(Int.max / 2) else {
            throw ReticleError(.corrupt, file: file, "\(what) \(v) is impossibly large")
        }
        return Int(v)
    }
}
