// One NumPy array in the .npy format (versions 1–3): the magic, the header dict ('descr',
// 'fortran_order', 'shape'), then the C-order data. Reads booleans, signed and unsigned integers
// of 1–8 bytes and 32/64-bit floats in either byte order; checks the data length against the shape.

import Foundation

public struct NpyArray: Equatable, Sendable {
    /// An element type as NumPy spells it ('<f4', '|u1', ...).
    public struct DType: Equatable, Sendable, CustomStringConvertible {
        public enum Kind: Character, Sendable { case bool = "b", signed = "i", unsigned = "u", float = "f" }
        public var kind: Kind
        public var size: Int
        public var bigEndian: Bool

        public static let uint8 = DType(kind: .unsigned, size: 1, bigEndian: false)
        public static let int64 = DType(kind: .signed, size: 8, bigEndian: false)
        public static let float32 = DType(kind: .float, size: 4, bigEndian: false)
        public static let float64 = DType(kind: .float, size: 8, bigEndian: false)

        public init(kind: Kind, size: Int, bigEndian: Bool) { self.kind = kind; self.size = size; self.bigEndian = bigEndian }

        /// Parses a descr string such as '<f4'; nil for anything else (structured, strings, complex, ...).
        public init?(descr: String) {
            let c = Array(descr)
            guard c.count >= 3, let k = Kind(rawValue: c[1]), let n = Int(String(c[2...])) else { return nil }
            switch c[0] {
            case "<", "=": bigEndian = false
            case ">": bigEndian = true
            case "|": bigEndian = false
            default: return nil
            }
            let sizes: [Kind: Set<Int>] = [.bool: [1], .signed: [1, 2, 4, 8], .unsigned: [1, 2, 4, 8], .float: [4, 8]]
            guard sizes[k]!.contains(n), n == 1 || c[0] != "|" else { return nil }
            kind = k; size = n
        }

        public var description: String { "\(size == 1 ? "|" : bigEndian ? ">" : "<")\(kind.rawValue)\(size)" }
    }

    public var dtype: DType
    public var shape: [Int]
    /// The elements' bytes in C order, in `dtype`'s byte order.
    public var data: Data

    public var count: Int { shape.reduce(1, *) }

    public init(dtype: DType, shape: [Int], data: Data) {
        precondition(shape.reduce(1, *) * dtype.size == data.count, "NpyArray: \(data.count) bytes for shape \(shape) of \(dtype)")
        self.dtype = dtype; self.shape = shape; self.data = data.startIndex == 0 ? data : Data(data)
    }

    /// Parses .npy bytes; `file` and `what` (the archive member) name it in errors.
    public init(bytes: Data, file: String, what: String = "array") throws {
        let r = ByteReader(bytes: bytes, file: file)
        guard r.count >= 10, try r.slice(0, 6, "\(what) magic") == Data([0x93, 0x4E, 0x55, 0x4D, 0x50, 0x59]) else {
            throw ReticleError(.corrupt, file: file, "\(what) is not a NumPy .npy array (no \\x93NUMPY magic)")
        }
        let major = try r.u8(6, "\(what) version")
        let headerLength: Int, headerStart: Int
        switch major {
        case 1: headerLength = Int(try r.u16(8, "\(what) header length")); headerStart = 10
        case 2, 3: headerLength = Int(try r.u32(8, "\(what) header length")); headerStart = 12
        default: throw ReticleError(.unsupported, file: file, "\(what) is .npy version \(major); versions 1–3 are read")
        }
        try r.check(headerStart, headerLength, "\(what) header")
        let headerBytes = try r.slice(headerStart, headerLength, "\(what) header")
        guard let header = String(data: headerBytes, encoding: major == 3 ? .utf8 : .isoLatin1) else {
            throw ReticleError(.corrupt, file: file, "\(what): the header is not text")
        }
        let fields = try Self.parseHeader(header, file: file, what: what)
        guard let dtype = DType(descr: fields.descr) else {
            throw ReticleError(.unsupported, file: file, "\(what) has dtype '\(fields.descr)'; booleans, integers and 32/64-bit floats are read")
        }
        guard !fields.fortranOrder || fields.shape.filter({ $0 > 1 }).count <= 1 else {
            throw ReticleError(.unsupported, file: file, "\(what) is in Fortran order; save it in C order (np.ascontiguousarray)")
        }
        var count = 1
        for d in fields.shape {
            let (p, overflow) = count.multipliedReportingOverflow(by: d)
            guard !overflow, p <= Int(UInt32.max) * 16 else { throw ReticleError(.corrupt, file: file, "\(what): shape \(fields.shape) is impossibly large") }
            count = p
        }
        let needed = count * dtype.size, start = headerStart + headerLength
        guard r.count - start == needed else {
            throw ReticleError(.corrupt, file: file,
                               "\(what): shape \(fields.shape) of \(dtype) needs \(needed) data bytes, the array holds \(r.count - start)")
        }
        self.init(dtype: dtype, shape: fields.shape, data: try r.slice(start, needed, "\(what) data"))
    }

    /// The elements as Doubles (exact for every integer below 2^53).
    public func doubles() -> [Double] {
        let n = count, size = dtype.size, swap = dtype.bigEndian
        return data.withUnsafeBytes { p -> [Double] in
            (0..<n).map { i -> Double in
                let o = i * size
                switch (dtype.kind, size) {
                case (.bool, _), (.unsigned, 1): return Double(p[o])
                case (.signed, 1): return Double(Int8(bitPattern: p[o]))
                case (.unsigned, 2): let v = p.loadUnaligned(fromByteOffset: o, as: UInt16.self); return Double(swap ? v.byteSwapped : v)
                case (.signed, 2): let v = p.loadUnaligned(fromByteOffset: o, as: UInt16.self); return Double(Int16(bitPattern: swap ? v.byteSwapped : v))
                case (.unsigned, 4): let v = p.loadUnaligned(fromByteOffset: o, as: UInt32.self); return Double(swap ? v.byteSwapped : v)
                case (.signed, 4): let v = p.loadUnaligned(fromByteOffset: o, as: UInt32.self); return Double(Int32(bitPattern: swap ? v.byteSwapped : v))
                case (.unsigned, _): let v = p.loadUnaligned(fromByteOffset: o, as: UInt64.self); return Double(swap ? v.byteSwapped : v)
                case (.signed, _): let v = p.loadUnaligned(fromByteOffset: o, as: UInt64.self); return Double(Int64(bitPattern: swap ? v.byteSwapped : v))
                case (.float, 4): let v = p.loadUnaligned(fromByteOffset: o, as: UInt32.self); return Double(Float(bitPattern: swap ? v.byteSwapped : v))
                case (.float, _): let v = p.loadUnaligned(fromByteOffset: o, as: UInt64.self); return Double(bitPattern: swap ? v.byteSwapped : v)
                }
            }
        }
    }

    /// The elements as Floats.
    public func floats() -> [Float] { dtype == .uint8 ? data.map(Float.init) : doubles().map(Float.init) }

    /// The elements as integers; throws when one is not a whole number.
    public func integers(file: String, what: String) throws -> [Int] {
        try doubles().map { v in
            guard v.isFinite, v == v.rounded(), abs(v) < 9e15 else { throw ReticleError(.corrupt, file: file, "\(what) holds \(v), not an integer") }
            return Int(v)
        }
    }

    /// The .npy (version 1) bytes of this array.
    public func encoded() -> Data {
        let shapeText = shape.count == 1 ? "(\(shape[0]),)" : "(" + shape.map(String.init).joined(separator: ", ") + ")"
        var header = "{'descr': '\(dtype)', 'fortran_order': False, 'shape': \(shapeText), }"
        // NumPy pads with spaces so the data starts on a 64-byte boundary, and ends the header with a newline.
        let unpadded = 10 + header.utf8.count + 1
        header += String(repeating: " ", count: (64 - unpadded % 64) % 64) + "\n"
        var out = Data([0x93, 0x4E, 0x55, 0x4D, 0x50, 0x59, 1, 0])
        let n = header.utf8.count
        out.append(contentsOf: [UInt8(n & 0xFF), UInt8(n >> 8)])
        out.append(Data(header.utf8))
        out.append(data)
        return out
    }

    /// The three fields of the header's Python dict literal.
    static func parseHeader(_ text: String, file: String, what: String) throws -> (descr: String, fortranOrder: Bool, shape: [Int]) {
        func fail(_ why: String) -> ReticleError { ReticleError(.corrupt, file: file, "\(what): bad .npy header (\(why)): \(text.prefix(120))") }
        func value(of key: String) throws -> Substring {
            guard let k = text.range(of: "'\(key)'") ?? text.range(of: "\"\(key)\""),
                  let colon = text[k.upperBound...].firstIndex(of: ":") else { throw fail("no '\(key)'") }
            return text[text.index(after: colon)...].drop { $0 == " " }
        }
        let d = try value(of: "descr")
        guard let q = d.first, q == "'" || q == "\"", let end = d.dropFirst().firstIndex(of: q) else { throw fail("descr is not a string") }
        let descr = String(d[d.index(after: d.startIndex)..<end])
        let f = try value(of: "fortran_order")
        let fortran: Bool
        if f.hasPrefix("True") { fortran = true } else if f.hasPrefix("False") { fortran = false } else { throw fail("fortran_order is not True or False") }
        let s = try value(of: "shape")
        guard s.first == "(", let close = s.firstIndex(of: ")") else { throw fail("shape is not a tuple") }
        let parts = s[s.index(after: s.startIndex)..<close].split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
        let shape = try parts.map { p -> Int in
            let digits = p.hasSuffix("L") ? String(p.dropLast()) : p
            guard let v = Int(digits), v >= 0 else { throw fail("shape entry '\(p)'") }
            return v
        }
        return (descr, fortran, shape)
    }
}
