// What every batch command prints on stdout: one JSON array (--json) or a readable block per item.
import Foundation
import Shared

enum BatchOutput {
    static func print(_ records: [ItemRecord], json: Bool) {
        if json {
            Swift.print(JSONValue.array(records.map(jsonRow)).serialized(pretty: true))
            return
        }
        for r in records {
            if r.status == .ok {
                Swift.print(r.file)
                Swift.print(PlainText.render(r.result, indent: 1), terminator: "")
            } else {
                Swift.print("\(r.file)\n  error: \(r.error ?? "unknown")")
            }
        }
    }

    /// file, status, error (if any), then the result's own fields.
    static func jsonRow(_ r: ItemRecord) -> JSONValue {
        var o: JSONObject = ["file": .string(r.file), "status": .string(r.status.rawValue)]
        if let e = r.error { o["error"] = .string(e) }
        for (k, v) in r.result { o[k] = v }
        return .object(o)
    }
}
