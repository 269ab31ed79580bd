// The public header block of an ASPRS LAS 1.0–1.4 file and its (extended) variable-length records,
// each offset and count checked against the file size before anything trusts it.

import Foundation
import Shared

/// One VLR (in the header area) or EVLR (after the points). `dataOffset` is where its payload starts.
public struct LasRecord: Sendable, Equatable {
    public let userID: String
    public let recordID: Int
    public let description: String
    public let length: Int
    public let dataOffset: Int
    public let isExtended: Bool
}

public struct LasHeader: Sendable {
    public let versionMajor: Int
    public let versionMinor: Int
    public var version: String { "\(versionMajor).\(versionMinor)" }
    public let systemIdentifier: String
    public let generatingSoftware: String
    public let creationDayOfYear: Int
    public let creationYear: Int
    public let headerSize: Int
    public let pointDataOffset: Int
    public let vlrCount: Int
    /// Point data record format 0–10.
    public let pointFormat: Int
    public let pointRecordLength: Int
    /// Number of points: LAS 1.4's 64-bit count when set, else the legacy 32-bit count.
    public let pointCount: Int
    public let pointsByReturn: [Int]
    /// X, Y, Z scale factors and offsets: coordinate = stored integer × scale + offset.
    public let scale: [Double]
    public let offset: [Double]
    /// Header bounds as stored (X, Y, Z).
    public let min: [Double]
    public let max: [Double]
    /// LAS 1.4: where the extended VLRs start and how many there are (0 when none).
    public let evlrOffset: Int
    public let evlrCount: Int

    /// Bytes of each point format's standard fields; anything beyond in a record is "extra bytes".
    public static let standardRecordLength = [20, 28, 26, 34, 57, 63, 30, 36, 38, 59, 67]

    /// Parses and checks the header; `r` covers the whole file.
    static func parse(_ r: ByteReader) throws -> LasHeader {
        let file = r.file
        guard r.count >= 4, try r.text(0, 4) == "LASF" else {
            throw ReticleError(.unsupported, file: file, "not a LAS file (no \"LASF\" signature)")
        }
        guard r.count >= 227 else {
            throw ReticleError(.corrupt, file: file, "\(r.count) bytes is shorter than a LAS header (227 bytes); truncated")
        }
        let major = Int(try r.u8(24)), minor = Int(try r.u8(25))
        guard major == 1, (0...4).contains(minor) else {
            throw ReticleError(.unsupported, file: file, "LAS version \(major).\(minor) is not 1.0–1.4")
        }
        let headerSize = Int(try r.u16(94))
        // Each version's header grows: 227 bytes (1.0–1.2), 235 (1.3), 375 (1.4).
        let minimum = minor >= 4 ? 375 : minor == 3 ? 235 : 227
        guard headerSize >= minimum else {
            throw ReticleError(.corrupt, file: file, "header size \(headerSize) is smaller than LAS \(major).\(minor)'s \(minimum) bytes")
        }
        try r.check(0, headerSize, "LAS header")
        let pointDataOffset = Int(try r.u32(96))
        let vlrCount = Int(try r.u32(100))
        let rawFormat = try r.u8(104)
        // LAZ sets the top bits of the format byte; its points are compressed.
        guard rawFormat & 0xC0 == 0 else {
            throw ReticleError(.unsupported, file: file, "point data is LAZ-compressed (format byte \(rawFormat)); decompress to LAS first")
        }
        let format = Int(rawFormat)
        guard format < standardRecordLength.count else {
            throw ReticleError(.unsupported, file: file, "point data format \(format) is not 0–10")
        }
        let recordLength = Int(try r.u16(105))
        guard recordLength >= standardRecordLength[format] else {
            throw ReticleError(.corrupt, file: file,
                               "point record length \(recordLength) is shorter than format \(format)'s \(standardRecordLength[format]) bytes")
        }
        var count = Int(try r.u32(107))
        var byReturn = try (0..<5).map { Int(try r.u32(111 + 4 * $0)) }
        let scale = try (0..<3).map { try r.f64(131 + 8 * $0) }
        let offset = try (0..<3).map { try r.f64(155 + 8 * $0) }
        // Bounds are stored max X, min X, max Y, min Y, max Z, min Z.
        let maxs = try (0..<3).map { try r.f64(179 + 16 * $0) }
        let mins = try (0..<3).map { try r.f64(187 + 16 * $0) }
        guard scale.allSatisfy({ $0.isFinite && $0 != 0 }), offset.allSatisfy(\.isFinite) else {
            throw ReticleError(.corrupt, file: file, "scale \(scale) or offset \(offset) is zero or not finite")
        }
        var evlrOffset = 0, evlrCount = 0
        if minor >= 4 {
            evlrOffset = try r.int(try r.u64(235), "start of first EVLR")
            evlrCount = Int(try r.u32(243))
            let count64 = try r.int(try r.u64(247), "point count")
            if count64 != 0 { count = count64 }
            byReturn = try (0..<15).map { try r.int(try r.u64(255 + 8 * $0), "points by return") }
        }
        guard pointDataOffset >= headerSize, pointDataOffset <= r.count else {
            throw ReticleError(.corrupt, file: file,
                               "point data offset \(pointDataOffset) lies outside the file (header \(headerSize) bytes, file \(r.count) bytes)")
        }
        let (bytes, overflow) = count.multipliedReportingOverflow(by: recordLength)
        guard !overflow, bytes <= r.count - pointDataOffset else {
            throw ReticleError(.corrupt, file: file,
                               "header claims \(count) points of \(recordLength) bytes from byte \(pointDataOffset), but the file holds \(r.count) bytes; truncated or corrupt")
        }
        return LasHeader(versionMajor: major, versionMinor: minor,
                         systemIdentifier: try r.text(26, 32), generatingSoftware: try r.text(58, 32),
                         creationDayOfYear: Int(try r.u16(90)), creationYear: Int(try r.u16(92)),
                         headerSize: headerSize, pointDataOffset: pointDataOffset, vlrCount: vlrCount,
                         pointFormat: format, pointRecordLength: recordLength, pointCount: count,
                         pointsByReturn: byReturn, scale: scale, offset: offset, min: mins, max: maxs,
                         evlrOffset: evlrOffset, evlrCount: evlrCount)
    }

    /// The VLRs between the header and the point data (54-byte headers, 16-bit lengths).
    func records(_ r: ByteReader) throws -> [LasRecord] {
        var out: [LasRecord] = []
        var o = headerSize
        for i in 0..<vlrCount {
            guard pointDataOffset - o >= 54 else {
                throw ReticleError(.corrupt, file: r.file, "VLR \(i + 1) of \(vlrCount) at byte \(o) runs into the point data at byte \(pointDataOffset)")
            }
            let length = Int(try r.u16(o + 20))
            guard length <= pointDataOffset - o - 54 else {
                throw ReticleError(.corrupt, file: r.file, "VLR \(i + 1) at byte \(o) claims \(length) bytes, past the point data at byte \(pointDataOffset)")
            }
            out.append(LasRecord(userID: try r.text(o + 2, 16), recordID: Int(try r.u16(o + 18)),
                                 description: try r.text(o + 22, 32), length: length, dataOffset: o + 54, isExtended: false))
            o += 54 + length
        }
        return out
    }

    /// LAS 1.4 EVLRs after the point data (60-byte headers, 64-bit lengths).
    func extendedRecords(_ r: ByteReader) throws -> [LasRecord] {
        guard evlrCount > 0 else { return [] }
        let pointsEnd = pointDataOffset + pointCount * pointRecordLength
        guard evlrOffset >= pointsEnd else {
            throw ReticleError(.corrupt, file: r.file, "first EVLR offset \(evlrOffset) lies inside the point data (ending at byte \(pointsEnd))")
        }
        var out: [LasRecord] = []
        var o = evlrOffset
        for i in 0..<evlrCount {
            try r.check(o, 60, "EVLR \(i + 1) of \(evlrCount) header")
            let length = try r.int(try r.u64(o + 20), "EVLR length")
            try r.check(o + 60, length, "EVLR \(i + 1) payload")
            out.append(LasRecord(userID: try r.text(o + 2, 16), recordID: Int(try r.u16(o + 18)),
                                 description: try r.text(o + 28, 32), length: length, dataOffset: o + 60, isExtended: true))
            o += 60 + length
        }
        return out
    }
}
