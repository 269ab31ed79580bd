// Numeric sample types found in cube files (ENVI data types, MATLAB storage types) and the
// pointer loop that converts a run of them to Float32; every reader's per-sample work goes through it.

import Foundation

/// One stored numeric type; `name` is the NumPy spelling used in reports and expected.json.
public enum CubeSampleType: String, Sendable, CaseIterable {
    case int8, uint8, int16, uint16, int32, uint32, int64, uint64, float32, float64

    public var name: String { rawValue }

    public var byteCount: Int {
        switch self {
        case .int8, .uint8: return 1
        case .int16, .uint16: return 2
        case .int32, .uint32, .float32: return 4
        case .int64, .uint64, .float64: return 8
        }
    }

    /// Converts `count` samples starting at `src` (packed, file byte order) to Float32, writing the
    /// i-th to `dst[i * dstStride]`. The stride lets one call turn a BIL/BIP run or a column-major
    /// MATLAB column into the cube's band-sequential layout without a second pass.
    /// The switch sits outside the loops so each loop is a tight per-type pointer walk.
    func convert(_ src: UnsafeRawPointer, count: Int, swapped: Bool,
                 into dst: UnsafeMutablePointer<Float>, stride dstStride: Int) {
        var d = dst
        // Every sample: read unaligned as its raw unsigned type, byte-swap if the file's order is not ours, convert.
        func each<Raw: FixedWidthInteger>(_: Raw.Type, _ value: (Raw) -> Float) {
            for i in 0..<count {
                let raw = src.loadUnaligned(fromByteOffset: i &* MemoryLayout<Raw>.size, as: Raw.self)
                d.pointee = value(swapped ? raw.byteSwapped : raw); d += dstStride
            }
        }
        switch self {
        case .int8: each(UInt8.self) { Float(Int8(bitPattern: $0)) }
        case .uint8: each(UInt8.self) { Float($0) }
        case .int16: each(UInt16.self) { Float(Int16(bitPattern: $0)) }
        case .uint16: each(UInt16.self) { Float($0) }
        case .int32: each(UInt32.self) { Float(Int32(bitPattern: $0)) }
        case .uint32: each(UInt32.self) { Float($0) }
        case .int64: each(UInt64.self) { Float(Int64(bitPattern: $0)) }
        case .uint64: each(UInt64.self) { Float($0) }
        case .float32: each(UInt32.self) { Float(bitPattern: $0) }
        case .float64: each(UInt64.self) { Float(Double(bitPattern: $0)) }
        }
    }

    /// Converts to Double (for small vectors such as wavelengths, where Float32 would round).
    func doubles(_ src: UnsafeRawPointer, count: Int, swapped: Bool) -> [Double] {
        var out = [Double](repeating: 0, count: count)
        for i in 0..<count {
            let o = i &* byteCount
            switch self {
            case .int8: out[i] = Double(src.load(fromByteOffset: o, as: Int8.self))
            case .uint8: out[i] = Double(src.load(fromByteOffset: o, as: UInt8.self))
            case .int16:
                let r = src.loadUnaligned(fromByteOffset: o, as: UInt16.self)
                out[i] = Double(Int16(bitPattern: swapped ? r.byteSwapped : r))
            case .uint16:
                let r = src.loadUnaligned(fromByteOffset: o, as: UInt16.self)
                out[i] = Double(swapped ? r.byteSwapped : r)
            case .int32:
                let r = src.loadUnaligned(fromByteOffset: o, as: UInt32.self)
                out[i] = Double(Int32(bitPattern: swapped ? r.byteSwapped : r))
            case .uint32:
                let r = src.loadUnaligned(fromByteOffset: o, as: UInt32.self)
                out[i] = Double(swapped ? r.byteSwapped : r)
            case .int64:
                let r = src.loadUnaligned(fromByteOffset: o, as: UInt64.self)
                out[i] = Double(Int64(bitPattern: swapped ? r.byteSwapped : r))
            case .uint64:
                let r = src.loadUnaligned(fromByteOffset: o, as: UInt64.self)
                out[i] = Double(swapped ? r.byteSwapped : r)
            case .float32:
                let r = src.loadUnaligned(fromByteOffset: o, as: UInt32.self)
                out[i] = Double(Float(bitPattern: swapped ? r.byteSwapped : r))
            case .float64:
                let r = src.loadUnaligned(fromByteOffset: o, as: UInt64.self)
                out[i] = Double(bitPattern: swapped ? r.byteSwapped : r)
            }
        }
        return out
    }
}
