// Human-readable rendering of result objects for terminal output (`--json` gives the exact data).

import Foundation

public enum PlainText {
    /// `key: value` lines, nested objects indented, arrays of objects one `- ` line per element.
    public static func render(_ object: JSONObject, indent: Int = 0) -> String {
        var out = ""
        let pad = String(repeating: "  ", count: indent)
        for (key, value) in object {
            switch value {
            case .object(let inner) where !inner.isEmpty:
                out += "\(pad)\(key):\n" + render(inner, indent: indent + 1)
            case .array(let items) where items.contains(where: { $0.objectValue != nil }):
                out += "\(pad)\(key):\n"
                for item in items {
                    out += "\(pad)  - \(inline(item))\n"
                }
            default:
                out += "\(pad)\(key): \(inline(value))\n"
            }
        }
        return out
    }

    /// One value on one line: objects as `k=v, k=v`, arrays comma-separated, numbers trimmed.
    public static func inline(_ value: JSONValue) -> String {
        switch value {
        case .null: return "—"
        case .bool(let b): return b ? "yes" : "no"
        case .number(let d): return number(d)
        case .string(let s): return s
        case .array(let a): return a.isEmpty ? "none" : a.map(inline).joined(separator: ", ")
        case .object(let o): return o.map { "\($0.key)=\(inline($0.value))" }.joined(separator: ", ")
        }
    }

    /// Integers as integers; other numbers with up to 6 significant digits.
    public static func number(_ d: Double) -> String {
        if d.isFinite, d == d.rounded(), abs(d) < 1e15 { return String(Int64(d)) }
        return String(format: "%.6g", d)
    }
}
