// The text header (.hdr) of an ENVI raster: `key = value` lines after a first line "ENVI", with
// brace-delimited values that may span lines. Parsed the way the `spectral` package reads it.

import Foundation
import Shared

/// A parsed ENVI header. Keys are lower-cased and trimmed (ENVI treats them case-insensitively and
/// real headers mix "Start Time" and "byte order"); values keep their text, braces removed.
public struct EnviHeader: Sendable {
    public let path: String
    /// Keys in file order (a repeated key keeps its first position, its last value).
    public private(set) var keys: [String] = []
    private var values: [String: String] = [:]
    /// Keys whose value was written in braces (lists, or multi-line text).
    private var braced: Set<String> = []

    /// Reads and parses the header at `path`.
    public static func read(path: String) throws -> EnviHeader {
        let attributes = try? FileManager.default.attributesOfItem(atPath: path)
        guard let size = attributes?[.size] as? Int else { throw ReticleError(.io, file: path, "no such file") }
        // Headers are text of a few kilobytes; a huge ".hdr" is something else, so refuse to slurp it.
        guard size <= 64 << 20 else {
            throw ReticleError(.unsupported, file: path, "\(size) bytes is too large for an ENVI text header")
        }
        guard let data = FileManager.default.contents(atPath: path) else {
            throw ReticleError(.io, file: path, "cannot open for reading")
        }
        return try parse(String(decoding: data, as: UTF8.self), path: path)
    }

    /// Parses header text; `path` is used in messages and to find the data file.
    public static func parse(_ text: String, path: String) throws -> EnviHeader {
        var header = EnviHeader(path: path)
        var lines = text.split(omittingEmptySubsequences: false, whereSeparator: { $0 == "\n" || $0 == "\r" })[...]
        while let first = lines.first, first.trimmingCharacters(in: .whitespaces).isEmpty { lines.removeFirst() }
        guard let first = lines.popFirst(), first.trimmingCharacters(in: .whitespaces).hasPrefix("ENVI") else {
            throw ReticleError(.unsupported, file: path, "not an ENVI header: the first line is not \"ENVI\"")
        }
        var lineNumber = 1
        while let raw = lines.popFirst() {
            lineNumber += 1
            let line = raw.trimmingCharacters(in: .whitespaces)
            // Lines without '=' (blank lines, stray comments starting with ';') carry no field.
            guard !line.hasPrefix(";"), let eq = line.firstIndex(of: "=") else { continue }
            let key = line[..<eq].trimmingCharacters(in: .whitespaces).lowercased()
            var value = line[line.index(after: eq)...].trimmingCharacters(in: .whitespaces)
            guard !key.isEmpty else { continue }
            if value.hasPrefix("{") {
                // A brace value runs until the line holding the closing brace.
                let startLine = lineNumber
                while !value.contains("}") {
                    guard let next = lines.popFirst() else {
                        throw ReticleError(.corrupt, file: path,
                                           "value of '\(key)' opened with '{' on line \(startLine) is never closed")
                    }
                    lineNumber += 1
                    value += "\n" + next.trimmingCharacters(in: .whitespaces)
                }
                let open = value.index(after: value.startIndex)
                let close = value.lastIndex(of: "}")!
                value = close >= open ? String(value[open..<close]).trimmingCharacters(in: .whitespacesAndNewlines) : ""
                header.braced.insert(key)
            } else {
                header.braced.remove(key)
            }
            if header.values.updateValue(value, forKey: key) == nil { header.keys.append(key) }
        }
        return header
    }

    private init(path: String) { self.path = path }

    /// The raw value of `key` (lower-case), braces removed.
    public func string(_ key: String) -> String? { values[key.lowercased()] }

    /// A comma-separated (usually braced) value split into trimmed items.
    public func list(_ key: String) -> [String]? {
        guard let v = string(key) else { return nil }
        return v.split(separator: ",").map { $0.trimmingCharacters(in: .whitespacesAndNewlines) }
    }

    /// An integer field; present but not an integer is an error naming the field.
    public func int(_ key: String) throws -> Int? {
        guard let v = string(key) else { return nil }
        guard let n = Int(v) else {
            throw ReticleError(.corrupt, file: path, "'\(key) = \(v)' is not an integer")
        }
        return n
    }

    /// A numeric list field; any non-number item is an error naming the field.
    public func doubles(_ key: String) throws -> [Double]? {
        guard let items = list(key) else { return nil }
        return try items.filter { !$0.isEmpty }.map {
            guard let d = Double($0) else {
                throw ReticleError(.corrupt, file: path, "'\(key)' holds '\($0)', not a number")
            }
            return d
        }
    }

    // MARK: - Standard fields

    public func samples() throws -> Int? { try int("samples") }
    public func lines() throws -> Int? { try int("lines") }
    public func bands() throws -> Int? { try int("bands") }
    /// `header offset`, the bytes before the first sample; a negative offset is an error naming the field.
    public func headerOffset() throws -> Int {
        let offset = try int("header offset") ?? 0
        guard offset >= 0 else {
            throw ReticleError(.corrupt, file: path, "'header offset = \(offset)' is negative")
        }
        return offset
    }

    /// ENVI `data type` codes → sample types. 6 and 9 (complex) and 0 (undefined) are not read.
    public static let dataTypes: [Int: CubeSampleType] = [
        1: .uint8, 2: .int16, 3: .int32, 4: .float32, 5: .float64,
        12: .uint16, 13: .uint32, 14: .int64, 15: .uint64,
    ]

    public func sampleType() throws -> CubeSampleType {
        guard let code = try int("data type") else {
            throw ReticleError(.corrupt, file: path, "header has no 'data type'")
        }
        guard let t = Self.dataTypes[code] else {
            let why = code == 6 || code == 9 ? "complex samples are not supported" : "unknown code"
            throw ReticleError(.unsupported, file: path, "ENVI data type \(code): \(why)")
        }
        return t
    }

    /// "bsq", "bil" or "bip"; ENVI's default is bsq.
    public func interleave() throws -> String {
        let v = (string("interleave") ?? "bsq").lowercased()
        guard ["bsq", "bil", "bip"].contains(v) else {
            throw ReticleError(.corrupt, file: path, "interleave '\(v)' is not bsq, bil or bip")
        }
        return v
    }

    /// True for `byte order = 1` (big-endian); absent means little-endian, as on every current platform.
    public func isBigEndian() throws -> Bool {
        guard let v = try int("byte order") else { return false }
        guard v == 0 || v == 1 else { throw ReticleError(.corrupt, file: path, "byte order \(v) is not 0 or 1") }
        return v == 1
    }

    public func wavelengths() throws -> [Double]? { try doubles("wavelength") }
    public var wavelengthUnits: String? { string("wavelength units") }

    /// `data ignore value`, when numeric.
    public var noDataValue: Double? { string("data ignore value").flatMap { Double($0) } }

    /// `map info = {proj, refX, refY, easting, northing, dx, dy[, zone, North|South][, datum][, units=...]}`.
    public var mapInfo: MapInfo? {
        guard let items = list("map info"), items.count >= 7 else { return nil }
        let nums = items[1...6].map { Double($0) }
        guard nums.allSatisfy({ $0 != nil }) else { return nil }
        var info = MapInfo(projection: items[0], referencePixelX: nums[0]!, referencePixelY: nums[1]!,
                           easting: nums[2]!, northing: nums[3]!, pixelSizeX: nums[4]!, pixelSizeY: nums[5]!)
        var rest = Array(items.dropFirst(7))
        if let u = rest.firstIndex(where: { $0.lowercased().hasPrefix("units=") }) {
            info.units = String(rest[u].dropFirst("units=".count))
            rest.remove(at: u)
        }
        rest.removeAll { $0.contains("=") }  // rotation=..., other key=value extras
        if info.projection.uppercased() == "UTM", rest.count >= 2, let zone = Int(rest[0]) {
            info.zone = zone
            info.hemisphere = rest[1]
            rest.removeFirst(2)
        }
        info.datum = rest.first
        return info
    }

    // MARK: - The data file

    /// Where ENVI tools look for the binary beside a header `name.hdr`: `name` itself, then common extensions.
    public var dataFileCandidates: [String] {
        let url = URL(fileURLWithPath: path)
        let base = url.deletingPathExtension().path
        let exts = ["", ".img", ".dat", ".raw", ".bsq", ".bil", ".bip", ".sli", ".hyspex", ".IMG", ".DAT", ".RAW"]
        return exts.map { base + $0 }
    }

    /// The first candidate that is an existing regular file, or nil.
    public var dataFile: String? {
        dataFileCandidates.first { candidate in
            var isDir: ObjCBool = false
            return FileManager.default.fileExists(atPath: candidate, isDirectory: &isDir) && !isDir.boolValue
        }
    }

    /// The header beside a data file (`x.dat` → `x.hdr` or `x.dat.hdr`), if there is one.
    public static func headerPath(forData path: String) -> String? {
        let base = URL(fileURLWithPath: path).deletingPathExtension().path
        return [path + ".hdr", base + ".hdr", path + ".HDR", base + ".HDR"].first {
            $0 != path && FileManager.default.fileExists(atPath: $0)
        }
    }
}
