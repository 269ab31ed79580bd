// YAML files (instrument profiles, protocols) read with Yams into the ordered JSON tree
// the libraries take, so no library module needs a YAML dependency.
import Foundation
import Shared
import Yams

enum YAMLDocument {
    /// The file's document; `what` names the kind of file in errors ("instrument profile").
    /// - Throws: `ReticleError(.usage)` naming the file: unreadable, not UTF-8, not YAML, empty.
    static func load(_ path: String, what: String) throws -> (document: JSONValue, bytes: Data) {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw ReticleError(.usage, file: path, "cannot read the \(what)")
        }
        guard let text = String(data: data, encoding: .utf8) else {
            throw ReticleError(.usage, file: path, "not UTF-8 text: expected a YAML \(what)")
        }
        let node: Node?
        do {
            node = try Yams.compose(yaml: text)
        } catch {
            throw ReticleError(.usage, file: path, "not valid YAML: \(error)")
        }
        guard let node else { throw ReticleError(.usage, file: path, "is empty: expected a YAML \(what)") }
        return (try document(node, path: path, what: what), data)
    }

    /// YAML → JSONValue keeping mapping order; plain scalars that YAML resolves to numbers,
    /// booleans or null become those, everything else text.
    static func document(_ node: Node, path: String, what: String) throws -> JSONValue {
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
                o[k.string] = try document(value, path: path, what: what)
            }
            return .object(o)
        case .sequence(let items):
            return .array(try items.map { try document($0, path: path, what: what) })
        case .alias:
            throw ReticleError(.usage, file: path, "line \(node.mark?.line ?? 0): YAML aliases are not supported in a \(what)")
        }
    }
}
