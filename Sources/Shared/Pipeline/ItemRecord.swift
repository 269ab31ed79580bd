// The result of one input item, as stored in `items/<id>.json`.

import Foundation

public struct ItemRecord: Equatable, Sendable {
    public enum Status: String, Sendable { case ok, error }

    public var id: String
    /// The input's display path (relative to the argument it came from).
    public var file: String
    public var status: Status
    /// For error rows: names the file and the reason.
    public var error: String?
    /// Fingerprint of the input's bytes (see `FileFingerprint`).
    public var inputHash: String
    /// SHA-256 of the settings that produced this result (command options, protocol, model).
    public var settingsHash: String
    public var elapsedSeconds: Double
    /// ISO 8601 UTC time the item finished.
    public var finishedAt: String
    /// Command-specific fields; flattened into CSV columns.
    public var result: JSONObject
    /// `RecordedInput.pathKey` of the input's resolved path (`InputItem.pathKey`): a later run gives that
    /// file this record's id. nil in records of older versions and of archive members.
    public var pathKey: String?

    public init(id: String, file: String, status: Status, error: String? = nil, inputHash: String,
                settingsHash: String, elapsedSeconds: Double, finishedAt: String, result: JSONObject = JSONObject(),
                pathKey: String? = nil) {
        self.id = id
        self.file = file
        self.status = status
        self.error = error
        self.inputHash = inputHash
        self.settingsHash = settingsHash
        self.elapsedSeconds = elapsedSeconds
        self.finishedAt = finishedAt
        self.result = result
        self.pathKey = pathKey
    }

    public var json: JSONValue {
        var o = JSONObject()
        o["id"] = .string(id)
        o["file"] = .string(file)
        o["status"] = .string(status.rawValue)
        o["error"] = error.map(JSONValue.string) ?? .null
        o["input_hash"] = .string(inputHash)
        o["settings_hash"] = .string(settingsHash)
        o["elapsed_s"] = .number((elapsedSeconds * 1000).rounded() / 1000)
        o["finished_at"] = .string(finishedAt)
        o["result"] = .object(result)
        if let pathKey { o["path_key"] = .string(pathKey) }
        return .object(o)
    }

    /// Reads a record back; throws on anything that is not a complete record.
    public init(json: JSONValue) throws {
        guard let o = json.objectValue,
              let id = o["id"]?.stringValue, let file = o["file"]?.stringValue,
              let statusText = o["status"]?.stringValue, let status = Status(rawValue: statusText),
              let inputHash = o["input_hash"]?.stringValue, let settingsHash = o["settings_hash"]?.stringValue
        else { throw ReticleError(.corrupt, "not an item record (missing id, file, status or hashes)") }
        self.init(id: id, file: file, status: status, error: o["error"]?.stringValue, inputHash: inputHash,
                  settingsHash: settingsHash, elapsedSeconds: o["elapsed_s"]?.doubleValue ?? 0,
                  finishedAt: o["finished_at"]?.stringValue ?? "", result: o["result"]?.objectValue ?? JSONObject(),
                  pathKey: o["path_key"]?.stringValue)
    }

    /// Result field of an error row for an item that took the process down: the signal, or "killed".
    public static let crashKey = "crash"

    /// An error row written because the item took an earlier run down.
    public var isCrash: Bool { status == .error && result[Self.crashKey] != nil }

    static func timestamp(_ date: Date = Date()) -> String {
        let f = ISO8601DateFormatter()
        f.formatOptions = [.withInternetDateTime]
        return f.string(from: date)
    }
}
