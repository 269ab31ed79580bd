// Helpers for the Remote tests: expected.json lookups, writing hostile files, and the
// C-order sample hashes expected.json records (sha256 of the NumPy array's bytes, first 16 hex digits).

import Foundation
import Remote
import Shared
import TestSupport
import XCTest

enum RemoteFixture {
    /// A corpus file's path, or an XCTSkip naming the absent folder.
    static func corpus(_ relative: String) throws -> String {
        guard let p = Corpus.path(relative) else { throw XCTSkip(Corpus.missing(relative)) }
        return p
    }

    static func expected(_ relative: String) throws -> JSONObject {
        guard let e = Corpus.expected(relative) else { throw XCTSkip("expected.json has no entry for \(relative)") }
        return e
    }

    static func doubles(_ v: JSONValue?) -> [Double] { v?.arrayValue?.compactMap(\.doubleValue) ?? [] }

    /// Writes `bytes` to a fresh temp file named `name` and returns its path.
    static func write(_ bytes: [UInt8], name: String, in dir: URL) -> String {
        let url = dir.appendingPathComponent(name)
        try! Data(bytes).write(to: url)
        return url.path
    }

    /// sha256 prefix of the cube as NumPy would hold it: (lines, samples, bands) C-order, in `type`.
    static func cubeHash(_ cube: HyperspectralCube, as type: CubeSampleType) -> String {
        var out = Data()
        out.reserveCapacity(cube.values.count * type.byteCount)
        for l in 0..<cube.lines {
            for s in 0..<cube.samples {
                for b in 0..<cube.bands {
                    append(cube[sample: s, line: l, band: b], as: type, to: &out)
                }
            }
        }
        return String(FileFingerprint.sha256(out).prefix(16))
    }

    static func append(_ v: Float, as type: CubeSampleType, to out: inout Data) {
        switch type {
        case .int16: withUnsafeBytes(of: Int16(v).littleEndian) { out.append(contentsOf: $0) }
        case .uint16: withUnsafeBytes(of: UInt16(v).littleEndian) { out.append(contentsOf: $0) }
        case .uint8: out.append(UInt8(v))
        case .float32: withUnsafeBytes(of: v.bitPattern.littleEndian) { out.append(contentsOf: $0) }
        case .float64: withUnsafeBytes(of: Double(v).bitPattern.littleEndian) { out.append(contentsOf: $0) }
        default: XCTFail("no hash for \(type)")
        }
    }

    /// Asserts that `body` throws a ReticleError whose message names `file`'s last path component.
    static func assertFails(naming file: String, _ body: () throws -> Void, _ message: String = "",
                            line: UInt = #line) {
        do {
            try body()
            XCTFail("expected a ReticleError for \(file) \(message)", line: line)
        } catch let e as ReticleError {
            let name = URL(fileURLWithPath: file).lastPathComponent
            XCTAssertTrue(e.description.contains(name), "error does not name \(name): \(e)", line: line)
        } catch {
            XCTFail("not a ReticleError: \(error) \(message)", line: line)
        }
    }
}

/// Little-endian byte building for synthetic files.
struct ByteWriter {
    var bytes: [UInt8] = []
    mutating func u8(_ v: UInt8) { bytes.append(v) }
    mutating func u16(_ v: UInt16) { withUnsafeBytes(of: v.littleEndian) { bytes += $0 } }
    mutating func u32(_ v: UInt32) { withUnsafeBytes(of: v.littleEndian) { bytes += $0 } }
    mutating func i32(_ v: Int32) { withUnsafeBytes(of: v.littleEndian) { bytes += $0 } }
    mutating func u64(_ v: UInt64) { withUnsafeBytes(of: v.littleEndian) { bytes += $0 } }
    mutating func f64(_ v: Double) { withUnsafeBytes(of: v.bitPattern.littleEndian) { bytes += $0 } }
    mutating func text(_ s: String, _ width: Int) {
        var b = Array(s.utf8.prefix(width))
        b += [UInt8](repeating: 0, count: width - b.count)
        bytes += b
    }
    mutating func pad8() { while bytes.count % 8 != 0 { bytes.append(0) } }
}
