// An ASPRS LAS point cloud: the checked header, VLRs/EVLRs, extra-byte dimensions, and point
// records decoded on demand from the memory-mapped file (one point, or all of them in one pass).

import Foundation
import Shared

/// One decoded point record (the fields every format 0–10 has, plus GPS time and colour when present).
public struct LasPoint: Sendable, Equatable {
    public var x: Double
    public var y: Double
    public var z: Double
    public var intensity: UInt16
    public var returnNumber: UInt8
    public var numberOfReturns: UInt8
    public var classification: UInt8
    public var gpsTime: Double?
    public var rgb: (UInt16, UInt16, UInt16)? {
        get { red.map { ($0, green!, blue!) } }
        set { red = newValue?.0; green = newValue?.1; blue = newValue?.2 }
    }
    var red: UInt16?, green: UInt16?, blue: UInt16?
}

/// All points as columns (what rasterising onto a cube grid wants).
public struct LasPoints: Sendable {
    public var x: [Double] = []
    public var y: [Double] = []
    public var z: [Double] = []
    public var intensity: [UInt16] = []
    public var returnNumber: [UInt8] = []
    public var classification: [UInt8] = []
    public var count: Int { x.count }
}

public struct LasPointCloud: Sendable {
    public let path: String
    public let header: LasHeader
    public let vlrs: [LasRecord]
    public let evlrs: [LasRecord]
    /// Bytes per record beyond the format's standard fields.
    public let extraByteCount: Int
    /// Names of the extra-byte dimensions from the LASF_Spec/4 VLR; undescribed trailing bytes are
    /// named "ExtraBytes", as laspy does.
    public let extraDimensionNames: [String]
    private let bytes: ByteReader

    public init(path: String) throws {
        let r = try ByteReader.open(path)
        self.path = path
        bytes = r
        header = try LasHeader.parse(r)
        vlrs = try header.records(r)
        evlrs = try header.extendedRecords(r)
        extraByteCount = header.pointRecordLength - LasHeader.standardRecordLength[header.pointFormat]
        extraDimensionNames = try Self.extraDimensions(r, records: vlrs + evlrs, extraBytes: extraByteCount)
    }

    public var count: Int { header.pointCount }

    /// Point `i` (0-based), decoded from the file; the header check made every record readable.
    public func point(_ i: Int) -> LasPoint {
        precondition(i >= 0 && i < count, "point index \(i) out of 0..<\(count)")
        return bytes.bytes.withUnsafeBytes { raw in
            Self.decode(raw.baseAddress! + header.pointDataOffset + i * header.pointRecordLength, header)
        }
    }

    /// Every point as columns, in one pointer walk over the records.
    public func readAll() -> LasPoints {
        var out = LasPoints()
        let n = count
        out.x.reserveCapacity(n); out.y.reserveCapacity(n); out.z.reserveCapacity(n)
        out.intensity.reserveCapacity(n); out.returnNumber.reserveCapacity(n); out.classification.reserveCapacity(n)
        let h = header
        let extended = h.pointFormat >= 6
        bytes.bytes.withUnsafeBytes { raw in
            var p = raw.baseAddress! + h.pointDataOffset
            for _ in 0..<n {
                out.x.append(Double(Int32(littleEndian: p.loadUnaligned(as: Int32.self))) * h.scale[0] + h.offset[0])
                out.y.append(Double(Int32(littleEndian: p.loadUnaligned(fromByteOffset: 4, as: Int32.self))) * h.scale[1] + h.offset[1])
                out.z.append(Double(Int32(littleEndian: p.loadUnaligned(fromByteOffset: 8, as: Int32.self))) * h.scale[2] + h.offset[2])
                out.intensity.append(UInt16(littleEndian: p.loadUnaligned(fromByteOffset: 12, as: UInt16.self)))
                let bits = p.load(fromByteOffset: 14, as: UInt8.self)
                out.returnNumber.append(extended ? bits & 0x0F : bits & 0x07)
                out.classification.append(extended ? p.load(fromByteOffset: 16, as: UInt8.self)
                                                   : p.load(fromByteOffset: 15, as: UInt8.self) & 0x1F)
                p += h.pointRecordLength
            }
        }
        return out
    }

    static func decode(_ p: UnsafeRawPointer, _ h: LasHeader) -> LasPoint {
        let f = h.pointFormat
        let extended = f >= 6
        let bits = p.load(fromByteOffset: 14, as: UInt8.self)
        func u16(_ o: Int) -> UInt16 { UInt16(littleEndian: p.loadUnaligned(fromByteOffset: o, as: UInt16.self)) }
        func f64(_ o: Int) -> Double { Double(bitPattern: UInt64(littleEndian: p.loadUnaligned(fromByteOffset: o, as: UInt64.self))) }
        var point = LasPoint(
            x: Double(Int32(littleEndian: p.loadUnaligned(as: Int32.self))) * h.scale[0] + h.offset[0],
            y: Double(Int32(littleEndian: p.loadUnaligned(fromByteOffset: 4, as: Int32.self))) * h.scale[1] + h.offset[1],
            z: Double(Int32(littleEndian: p.loadUnaligned(fromByteOffset: 8, as: Int32.self))) * h.scale[2] + h.offset[2],
            intensity: u16(12),
            returnNumber: extended ? bits & 0x0F : bits & 0x07,
            numberOfReturns: extended ? bits >> 4 : (bits >> 3) & 0x07,
            classification: extended ? p.load(fromByteOffset: 16, as: UInt8.self) : p.load(fromByteOffset: 15, as: UInt8.self) & 0x1F)
        // Field positions per format (LAS 1.4 R15 tables 7–17).
        let gpsAt: Int? = [1, 3, 4, 5].contains(f) ? 20 : extended ? 22 : nil
        let rgbAt: Int? = f == 2 ? 20 : (f == 3 || f == 5) ? 28 : [7, 8, 10].contains(f) ? 30 : nil
        if let o = gpsAt { point.gpsTime = f64(o) }
        if let o = rgbAt { point.rgb = (u16(o), u16(o + 2), u16(o + 4)) }
        return point
    }

    /// Extra-dimension names from the Extra Bytes record (192-byte descriptors, name at byte 4).
    static func extraDimensions(_ r: ByteReader, records: [LasRecord], extraBytes: Int) throws -> [String] {
        guard extraBytes > 0 else { return [] }
        var names: [String] = []
        var described = 0
        if let eb = records.first(where: { $0.userID == "LASF_Spec" && $0.recordID == 4 }) {
            let sizes = [0, 1, 1, 2, 2, 4, 4, 8, 8, 4, 8]
            for i in 0..<(eb.length / 192) {
                let o = eb.dataOffset + i * 192
                let type = Int(try r.u8(o + 2)), options = Int(try r.u8(o + 3))
                names.append(try r.text(o + 4, 32, "extra bytes name"))
                // Type 0 is "undocumented bytes", sized by the options field; 11–30 are deprecated 2- and 3-arrays.
                switch type {
                case 0: described += options
                case 1...10: described += sizes[type]
                case 11...20: described += 2 * sizes[type - 10]
                case 21...30: described += 3 * sizes[type - 20]
                default: break
                }
            }
        }
        if described < extraBytes { names.append("ExtraBytes") }
        return names
    }
}
