// Reading an instrument profile (YAML) for the micro commands: the file is parsed here, with
// Yams, into a plain document tree that `InstrumentProfile` checks and looks up.
import Foundation
import Microstructure
import Shared
import Yams

enum MicroProfileFile {
    /// - Throws: `ReticleError(.usage)` naming the file: unreadable, not YAML, or not a profile.
    static func load(_ path: String) throws -> InstrumentProfile {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw ReticleError(.usage, file: path, "cannot read the instrument profile")
        }
        guard let text = String(data: data, encoding: .utf8) else {
            throw ReticleError(.usage, file: path, "not UTF-8 text: expected a YAML instrument profile")
        }
        let node: Node?
        do {
            node = try Yams.compose(yaml: text)
        } catch {
            throw ReticleError(.usage, file: path, "not valid YAML: \(error)")
        }
        guard let node else { throw ReticleError(.usage, file: path, "is empty: expected microscope → objective → um_per_px") }
        return try InstrumentProfile(file: path, document: document(node, path: path))
    }

    /// SHA-256 of the file's bytes, for the batch settings hash (a changed profile redoes items).
    static func fingerprint(_ path: String) -> String {
        FileFingerprint.sha256(FileManager.default.contents(atPath: path) ?? Data())
    }

    /// YAML → JSONValue keeping mapping order; plain scalars that YAML resolves to numbers,
    /// booleans or null become those, everything else text.
    static func document(_ node: Node, path: String) throws -> JSONValue {
        switch node {
        case .scalar(let s):
            if s.style == .plain {
                if node.null != nil { return .null }
                if let i = node.int { return .number(Double(i)) }
                if let d = node.float { return .number(d) }
                if let b = node.bool { return .bool(b) }
            }
            return .string(s.string)
        case .mapping(let m):
            var o = JSONObject()
            for (key, value) in m {
                guard case .scalar(let k) = key else {
                    throw ReticleError(.usage, file: path, "line \(key.mark?.line ?? 0): keys must be plain names")
                }
                o[k.string] = try document(value, path: path)
            }
            return .object(o)
        case .sequence(let items):
            return .array(try items.map { try document($0, path: path) })
        case .alias:
            throw ReticleError(.usage, file: path, "line \(node.mark?.line ?? 0): YAML aliases are not supported in instrument profiles")
        }
    }
}
