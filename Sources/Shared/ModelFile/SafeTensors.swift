// safetensors read/write (Hugging Face's format, readable by PyTorch tooling):
// an 8-byte little-endian header length, a JSON header mapping each tensor name
// to {dtype, shape, data_offsets} plus an optional "__metadata__" string map,
// then the raw little-endian tensor bytes. Every length and offset from a file
// is checked against the file's size before any byte is read.

import Foundation

public enum SafeTensorsDType: String, Sendable, CaseIterable {
    case F64, F32, F16, BF16, I64, I32, I16, I8, U8, BOOL

    public var byteCount: Int {
        switch self {
        case .F64, .I64: return 8
        case .F32, .I32: return 4
        case .F16, .BF16, .I16: return 2
        case .I8, .U8, .BOOL: return 1
        }
    }
}

/// A parsed, validated safetensors file held in memory.
public struct SafeTensorsFile {
    /// One tensor's header entry; `bytes` is relative to the start of the data section.
    public struct Entry: Equatable, Sendable {
        public let name: String
        public let dtype: SafeTensorsDType
        public let shape: [Int]
        public let bytes: Range<Int>
    }

    /// Header entries in the header's order.
    public let entries: [Entry]
    /// The `__metadata__` map (string to string, as the format requires).
    public let metadata: [String: String]
    private let data: Data
    private let dataStart: Int
    private let index: [String: Int]

    /// The header JSON may be at most this long (the reference implementation's limit), so a hostile length cannot make us allocate gigabytes.
    public static let maximumHeaderLength = 100_000_000

    /// Parses and validates `data`; `file` names the source in errors.
    public init(data: Data, file: String? = nil) throws {
        func corrupt(_ reason: String) -> ReticleError { ReticleError(.corrupt, file: file, "safetensors: \(reason)") }
        guard data.count >= 8 else { throw corrupt("file of \(data.count) bytes is too short for the 8-byte header length") }
        let headerLength = data.withUnsafeBytes { UInt64(littleEndian: $0.loadUnaligned(fromByteOffset: 0, as: UInt64.self)) }
        guard headerLength <= UInt64(data.count - 8) else {
            throw corrupt("header length \(headerLength) exceeds the \(data.count - 8) bytes after it")
        }
        guard headerLength <= UInt64(Self.maximumHeaderLength) else { throw corrupt("header length \(headerLength) is over the 100 MB limit") }
        let start = data.startIndex
        let headerBytes = data.subdata(in: (start + 8)..<(start + 8 + Int(headerLength)))
        guard headerBytes.first == UInt8(ascii: "{") else { throw corrupt("header does not start with '{'") }
        let header: JSONValue
        do { header = try JSONValue.parse(headerBytes) } catch { throw corrupt("header is not valid JSON (\(error))") }
        guard let object = header.objectValue else { throw corrupt("header is not a JSON object") }

        let dataLength = data.count - 8 - Int(headerLength)
        var entries: [Entry] = []
        var metadata: [String: String] = [:]
        for (name, value) in object {
            if name == "__metadata__" {
                guard let map = value.objectValue else { throw corrupt("__metadata__ is not an object") }
                for (k, v) in map {
                    guard let s = v.stringValue else { throw corrupt("__metadata__ value for \"\(k)\" is not a string") }
                    metadata[k] = s
                }
                continue
            }
            guard let info = value.objectValue else { throw corrupt("entry \"\(name)\" is not an object") }
            guard let dtypeName = info["dtype"]?.stringValue else { throw corrupt("entry \"\(name)\" has no dtype") }
            guard let dtype = SafeTensorsDType(rawValue: dtypeName) else { throw corrupt("entry \"\(name)\" has unsupported dtype \(dtypeName)") }
            guard let dims = info["shape"]?.arrayValue?.map(\.intValue), dims.allSatisfy({ ($0 ?? -1) >= 0 }) else {
                throw corrupt("entry \"\(name)\" has an invalid shape")
            }
            let shape = dims.map { $0! }
            guard let offsets = info["data_offsets"]?.arrayValue?.compactMap(\.intValue), offsets.count == 2,
                  offsets[0] >= 0, offsets[0] <= offsets[1] else {
                throw corrupt("entry \"\(name)\" has invalid data_offsets")
            }
            guard offsets[1] <= dataLength else {
                throw corrupt("entry \"\(name)\" ends at byte \(offsets[1]) of a \(dataLength)-byte data section")
            }
            // Element count × element size, refusing overflow (a hostile shape could wrap around).
            var byteCount = dtype.byteCount
            for d in shape {
                let (product, overflow) = byteCount.multipliedReportingOverflow(by: d)
                guard !overflow else { throw corrupt("entry \"\(name)\" has a shape too large to address") }
                byteCount = product
            }
            guard byteCount == offsets[1] - offsets[0] else {
                throw corrupt("entry \"\(name)\": shape \(shape) of \(dtypeName) needs \(byteCount) bytes, offsets span \(offsets[1] - offsets[0])")
            }
            entries.append(Entry(name: name, dtype: dtype, shape: shape, bytes: offsets[0]..<offsets[1]))
        }
        // No two tensors may share bytes.
        let sorted = entries.filter { !$0.bytes.isEmpty }.sorted { $0.bytes.lowerBound < $1.bytes.lowerBound }
        for (a, b) in zip(sorted, sorted.dropFirst()) where a.bytes.upperBound > b.bytes.lowerBound {
            throw corrupt("entries \"\(a.name)\" and \"\(b.name)\" overlap")
        }
        self.entries = entries
        self.metadata = metadata
        self.data = data
        dataStart = 8 + Int(headerLength)
        index = Dictionary(entries.enumerated().map { ($0.element.name, $0.offset) }, uniquingKeysWith: { $1 })
    }

    /// Reads and validates a file.
    public static func read(contentsOf url: URL) throws -> SafeTensorsFile {
        let data: Data
        do { data = try Data(contentsOf: url, options: .mappedIfSafe) } catch {
            throw ReticleError(.io, file: url.path, "cannot read: \(error.localizedDescription)")
        }
        return try SafeTensorsFile(data: data, file: url.path)
    }

    public var names: [String] { entries.map(\.name) }
    public func entry(_ name: String) -> Entry? { index[name].map { entries[$0] } }

    /// The named tensor converted to Float32 (integers and half floats widened, F64 narrowed).
    public func tensor(_ name: String) throws -> Tensor {
        guard let e = entry(name) else { throw ReticleError(.corrupt, "safetensors: no tensor named \"\(name)\"") }
        let count = e.shape.reduce(1, *)
        var out = Tensor(shape: e.shape)
        data.withUnsafeBytes { (raw: UnsafeRawBufferPointer) in
            // Bounds were validated in init: dataStart + e.bytes lies inside the buffer.
            let base = raw.baseAddress! + dataStart + e.bytes.lowerBound
            out.withUnsafeMutablePointer { dst in
                for i in 0..<count {
                    let o = i * e.dtype.byteCount
                    switch e.dtype {
                    case .F32: dst[i] = Float(bitPattern: UInt32(littleEndian: base.loadUnaligned(fromByteOffset: o, as: UInt32.self)))
                    case .F64: dst[i] = Float(Double(bitPattern: UInt64(littleEndian: base.loadUnaligned(fromByteOffset: o, as: UInt64.self))))
                    case .F16: dst[i] = Float(Float16(bitPattern: UInt16(littleEndian: base.loadUnaligned(fromByteOffset: o, as: UInt16.self))))
                    case .BF16: dst[i] = Float(bitPattern: UInt32(UInt16(littleEndian: base.loadUnaligned(fromByteOffset: o, as: UInt16.self))) << 16)
                    case .I64: dst[i] = Float(Int64(littleEndian: base.loadUnaligned(fromByteOffset: o, as: Int64.self)))
                    case .I32: dst[i] = Float(Int32(littleEndian: base.loadUnaligned(fromByteOffset: o, as: Int32.self)))
                    case .I16: dst[i] = Float(Int16(littleEndian: base.loadUnaligned(fromByteOffset: o, as: Int16.self)))
                    case .I8: dst[i] = Float(base.load(fromByteOffset: o, as: Int8.self))
                    case .U8, .BOOL: dst[i] = Float(base.load(fromByteOffset: o, as: UInt8.self))
                    }
                }
            }
        }
        return out
    }

    /// Serialises Float32 tensors in the given order, with `metadata` as `__metadata__`.
    /// The header is padded with spaces to a multiple of 8 bytes so the data section stays aligned.
    public static func serialize(_ tensors: [(name: String, tensor: Tensor)], metadata: [String: String] = [:]) -> Data {
        serialize(entries: tensors.map { ($0.name, .f32($0.tensor)) }, metadata: metadata)
    }

    /// What one tensor of a file holds: fp32 values, or int8 codes (a quantised model's weights).
    public enum Payload {
        case f32(Tensor)
        case i8(shape: [Int], values: [Int8])

        var dtype: String { if case .i8 = self { return "I8" } else { return "F32" } }
        var shape: [Int] { switch self { case .f32(let t): return t.shape; case .i8(let s, _): return s } }
        var byteCount: Int { switch self { case .f32(let t): return 4 * t.count; case .i8(_, let v): return v.count } }
    }

    /// Tensors of several dtypes; the header padded as `serialize` pads it.
    public static func serialize(entries: [(name: String, payload: Payload)], metadata: [String: String] = [:]) -> Data {
        var header = JSONObject()
        if !metadata.isEmpty {
            var m = JSONObject()
            for k in metadata.keys.sorted() { m[k] = .string(metadata[k]!) }
            header["__metadata__"] = .object(m)
        }
        var offset = 0
        for (name, t) in entries {
            precondition(name != "__metadata__" && header[name] == nil, "duplicate or reserved tensor name \(name)")
            precondition(t.shape.reduce(1, *) * (t.dtype == "I8" ? 1 : 4) == t.byteCount, "\(name): shape and data differ")
            header[name] = ["dtype": .string(t.dtype), "shape": .array(t.shape.map { JSONValue.int($0) }),
                            "data_offsets": [JSONValue.int(offset), JSONValue.int(offset + t.byteCount)]]
            offset += t.byteCount
        }
        var headerBytes = Data(JSONValue.object(header).serialized().utf8)
        headerBytes.append(contentsOf: [UInt8](repeating: 0x20, count: (8 - headerBytes.count % 8) % 8))
        var out = Data(capacity: 8 + headerBytes.count + offset)
        withUnsafeBytes(of: UInt64(headerBytes.count).littleEndian) { out.append(contentsOf: $0) }
        out.append(headerBytes)
        for (_, payload) in entries {
            switch payload {
            case .f32(let t):
                // Little-endian host (x86-64, arm64): the bytes are already in file order.
                t.withUnsafePointer { p in out.append(UnsafeBufferPointer(start: p, count: t.count)) }
            case .i8(_, let v):
                v.withUnsafeBytes { out.append(contentsOf: $0) }
            }
        }
        return out
    }

    /// Writes atomically (temporary file, then rename), so a crash never leaves half a model.
    public static func write(_ tensors: [(name: String, tensor: Tensor)], metadata: [String: String] = [:], to url: URL) throws {
        try write(entries: tensors.map { ($0.name, .f32($0.tensor)) }, metadata: metadata, to: url)
    }

    /// `write` for tensors of several dtypes.
    public static func write(entries: [(name: String, payload: Payload)], metadata: [String: String] = [:], to url: URL) throws {
        do { try serialize(entries: entries, metadata: metadata).write(to: url, options: .atomic) } catch {
            throw ReticleError(.io, file: url.path, "cannot write: \(error.localizedDescription)")
        }
    }
}
