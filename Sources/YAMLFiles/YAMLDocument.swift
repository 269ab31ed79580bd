// YAML files (instrument profiles, protocols) read with Yams into the ordered JSON tree
// the libraries take, so no library module needs a YAML dependency.
import Foundation
import Shared
import Yams


public enum YAMLDocument {
    /// The file's document; `what` names the kind of file in errors ("instrument profile").
    /// - Throws: `ReticleError(.usage)` naming the file: unreadable, not UTF-8, not YAML, empty.
    public static func load(_ path: String, what: String) throws -> (document: JSONValue, bytes: Data) {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw ReticleError(.usage, file: path, "cannot read the \(what)")
        }
        guard let text = String(data: data, encoding: .utf8) else {
            throw ReticleError(.usage, file: path, "not UTF-8 text: expected a YAML \(what)")
        }
        if let depth = flowDepthBeyond(text, limit: maxDepth) {
            throw ReticleError(.usage, file: path, "YAML nested deeper than \(maxDepth) levels (\(depth) brackets open): not a \(what)")
        }
        let node: Node?
        do {
            node = try Yams.compose(yaml: text)
        } catch {
            throw ReticleError(.usage, file: path, "not valid YAML: \(error)")
        }
        guard let node else { throw ReticleError(.usage, file: path, "is empty: expected a YAML \(what)") }
        // Count first (cheap: no scalar resolution), so an alias bomb is refused before any work.
        var nodes = 0
        try measure(node, path: path, what: what, depth: 0, nodes: &nodes)
        return (try document(node, path: path, what: what), data)
    }

    /// Most JSON values one YAML file may become. Aliases let a few hundred bytes stand for
    /// billions of nodes ("billion laughs"); no profile or protocol comes near this.
    public static let maxNodes = 1_000_000
    /// Deepest nesting of mappings and sequences accepted; real files nest three or four levels.
    public static let maxDepth = 256

    /// Counts the values `node` becomes, aliases expanded, into `nodes`; throws as soon as the
    /// count passes `maxNodes` or nesting passes `maxDepth`, so the walk itself stays bounded.
    static func measure(_ node: Node, path: String, what: String, depth: Int, nodes: inout Int) throws {
        nodes += 1
        guard nodes <= maxNodes else {
            throw ReticleError(.usage, file: path, "YAML expands to more than \(maxNodes) values (aliases repeated too often?): not a \(what)")
        }
        guard depth <= maxDepth else {
            throw ReticleError(.usage, file: path, "line \(node.mark?.line ?? 0): YAML nested deeper than \(maxDepth) levels: not a \(what)")
        }
        switch node {
        case .scalar, .alias: break
        case .mapping(let m):
            for (_, value) in m { try measure(value, path: path, what: what, depth: depth + 1, nodes: &nodes) }
        case .sequence(let items):
            for item in items { try measure(item, path: path, what: what, depth: depth + 1, nodes: &nodes) }
        }
    }

    /// A cheap pre-scan before Yams (whose composer recurses once per level) sees the text: the
    /// deepest run of open flow brackets `[` `{` outside quotes and comments, when above `limit`.
    /// Block nesting needs an indented line per level, so it cannot reach the limit in a small file
    /// and is bounded by `document`'s depth check.
    static func flowDepthBeyond(_ text: String, limit: Int) -> Int? {
        var depth = 0, deepest = 0
        var quote: UInt8? = nil, comment = false, previous: UInt8 = 10
        for c in text.utf8 {
            defer { previous = c }
            if comment { if c == 10 || c == 13 { comment = false }; continue }
            if let q = quote {
                if c == q { quote = nil }
                continue
            }
            switch c {
            case 34, 39: quote = c                                  // " '
            case 35 where previous == 32 || previous == 9 || previous == 10: comment = true  // #
            case 91, 123: depth += 1; deepest = max(deepest, depth) // [ {
            case 93, 125: depth = max(0, depth - 1)                 // ] }
            default: break
            }
        }
        return deepest > limit ? deepest : nil
    }

    /// YAML → JSONValue keeping mapping order; plain scalars that YAML resolves to numbers,
    /// booleans or null become those, everything else text.
    /// Linear in the values produced; call `measure` first to bound them.
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
            var array: [JSONValue] = []
            array.reserveCapacity(items.count)
            for item in items { array.append(try document(item, path: path, what: what)) }
            return .array(array)
        case .alias:
            throw ReticleError(.usage, file: path, "line \(node.mark?.line ?? 0): YAML aliases are not supported in a \(what)")
        }
    }
}
