// Float32 → stored sample type, for the writers (ENVI, GeoTIFF): integers are rounded to nearest
// and clamped to the type's range (NaN becomes 0), so a written file never wraps around.

import Foundation

extension CubeSampleType {
    /// Writes `values` packed as this type in host (little-endian) byte order at `dst`.
    func store(_ values: UnsafeBufferPointer<Float>, into dst: UnsafeMutableRawPointer) {
        func each<T>(_: T.Type, _ convert: (Float) -> T) {
            let out = dst.bindMemory(to: T.self, capacity: values.count)
            for i in 0..<values.count { out[i] = convert(values[i]) }
        }
        func integer<T: FixedWidthInteger>(_: T.Type) {
            // Clamp in Double: Float cannot hold Int32.max exactly, and converting a Float past it traps.
            let lo = Double(T.min), hi = Double(T.max)
            each(T.self) { v in
                guard !v.isNaN else { return 0 }
                let r = Double(v).rounded()
                return r <= lo ? T.min : r >= hi ? T.max : T(r)
            }
        }
        switch self {
        case .int8: integer(Int8.self)
        case .uint8: integer(UInt8.self)
        case .int16: integer(Int16.self)
        case .uint16: integer(UInt16.self)
        case .int32: integer(Int32.self)
        case .uint32: integer(UInt32.self)
        case .int64: integer(Int64.self)
        case .uint64: integer(UInt64.self)
        case .float32: each(Float.self) { $0 }
        case .float64: each(Double.self) { Double($0) }
        }
    }

    /// The values packed as this type.
    func encode(_ values: [Float]) -> [UInt8] {
        var bytes = [UInt8](repeating: 0, count: values.count * byteCount)
        values.withUnsafeBufferPointer { v in
            bytes.withUnsafeMutableBytes { store(v, into: $0.baseAddress!) }
        }
        return bytes
    }

    /// TIFF SampleFormat: 1 unsigned integer, 2 signed integer, 3 IEEE float.
    var tiffSampleFormat: UInt16 {
        switch self {
        case .uint8, .uint16, .uint32, .uint64: return 1
        case .int8, .int16, .int32, .int64: return 2
        case .float32, .float64: return 3
        }
    }

    /// The type a TIFF page's SampleFormat and BitsPerSample describe, or nil.
    static func tiff(sampleFormat: UInt16, bits: UInt16) -> CubeSampleType? {
        switch (sampleFormat, bits) {
        case (1, 8), (4, 8): return .uint8
        case (1, 16), (4, 16): return .uint16
        case (1, 32), (4, 32): return .uint32
        case (1, 64), (4, 64): return .uint64
        case (2, 8): return .int8
        case (2, 16): return .int16
        case (2, 32): return .int32
        case (2, 64): return .int64
        case (3, 32): return .float32
        case (3, 64): return .float64
        default: return nil
        }
    }
}
