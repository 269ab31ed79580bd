// results.csv and results.jsonl, always rebuilt from items/ so that shards
// merge by copying their items/ folders together.

import Foundation

public enum ResultTables {
    static let leadingColumns = ["id", "file", "status", "error"]

    /// Writes `results.jsonl` (one record per line) and `results.csv` (nested result fields
    /// flattened with dots, arrays as JSON text) into `outDir`, atomically.
    public static func write(_ records: [ItemRecord], to outDir: URL) throws {
        var jsonl = ""
        for r in records { jsonl += r.json.serialized() + "\n" }
        try AtomicFile.write(jsonl, to: outDir.appendingPathComponent("results.jsonl"))
        try AtomicFile.write(csv(records), to: outDir.appendingPathComponent("results.csv"))
    }

    /// Columns: id, file, status, error, then result fields in the order first seen. A folder holding
    /// results of several settings (`--append`) gets a settings_hash column after error.
    public static func csv(_ records: [ItemRecord]) -> String {
        let mixed = Set(records.map(\.settingsHash)).count > 1
        var columns: [String] = []
        var known = Set<String>()
        let rows: [[String: String]] = records.map { r in
            var row = ["id": r.id, "file": r.file, "status": r.status.rawValue, "error": r.error ?? "", "settings_hash": r.settingsHash]
            for (k, v) in flatten(r.result, prefix: "") {
                row[k] = v
                if known.insert(k).inserted { columns.append(k) }
            }
            return row
        }
        let header = leadingColumns + (mixed ? ["settings_hash"] : []) + columns.filter { !mixed || $0 != "settings_hash" }
        var out = header.map(escape).joined(separator: ",") + "\n"
        for row in rows {
            out += header.map { escape(row[$0] ?? "") }.joined(separator: ",") + "\n"
        }
        return out
    }

    static func flatten(_ o: JSONObject, prefix: String) -> [(String, String)] {
        var out: [(String, String)] = []
        for (k, v) in o {
            let key = prefix.isEmpty ? k : prefix + "." + k
            switch v {
            case .object(let inner): out += flatten(inner, prefix: key)
            case .string(let s): out.append((key, s))
            case .null: out.append((key, ""))
            case .array: out.append((key, v.serialized()))
            default: out.append((key, v.serialized()))
            }
        }
        return out
    }

    /// RFC 4180 quoting; a leading =,+,-,@ is left alone since values are data, not formulas to hide.
    static func escape(_ s: String) -> String {
        if s.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" }) {
            return "\"" + s.replacingOccurrences(of: "\"", with: "\"\"") + "\""
        }
        return s
    }
}
