// An output folder belongs to one command and one set of settings. Without this, grading
// into a folder that another model or subset wrote keeps the old rows: the report header
// names the new model while most rows came from the old one. A run whose command or settings
// differ from the folder's `run.json` is therefore refused, unless the user says what to do
// with the old items: replace them (`--force`) or keep both, each row tagged (`--append`).

import Foundation

public struct OutputFolderIdentity: Equatable, Sendable {
    /// The command that wrote the folder (the batch label, e.g. "grade").
    public let label: String
    public let settingsHash: String
    public let settings: JSONObject

    public init(label: String, settingsHash: String, settings: JSONObject) {
        self.label = label; self.settingsHash = settingsHash; self.settings = settings
    }

    /// What to do when the folder was written by another command or other settings.
    public enum Policy: String, Codable, Sendable {
        /// Stop with a usage error that names the difference and the two ways on.
        case refuse
        /// Remove the other settings' items; the folder then belongs to this run.
        case replace
        /// Keep them; this run's items get ids tagged with its settings hash where an item
        /// of the same input and other settings exists.
        case append
    }

    /// How the run proceeds.
    public enum Admission: Equatable, Sendable {
        /// A new folder, or one this command and these settings wrote.
        case same
        /// Remove the records of other settings first.
        case replace
        /// Keep other settings' records; tag this run's ids where they would collide.
        case append
    }

    /// The identity `run.json` records, or nil when the folder has none (new, or written before it existed).
    public static func read(outDir: URL) -> OutputFolderIdentity? {
        guard let data = FileManager.default.contents(atPath: outDir.appendingPathComponent("run.json").path),
              let run = try? JSONValue.parse(data),
              let label = run["label"]?.stringValue, let hash = run["settings_hash"]?.stringValue else { return nil }
        return OutputFolderIdentity(label: label, settingsHash: hash, settings: run["settings"]?.objectValue ?? JSONObject())
    }

    /// Decides how a run of `self` may write into `outDir`, given the folder's own identity and whether it
    /// holds any item records.
    /// - Throws: `ReticleError(.usage)` under `.refuse` when the folder holds items of another command or
    ///   other settings, naming the command and the settings that differ.
    public func admit(into outDir: URL, holdsItems: Bool, policy: Policy) throws -> Admission {
        guard holdsItems, let folder = Self.read(outDir: outDir),
              folder.label != label || folder.settingsHash != settingsHash else { return .same }
        switch policy {
        case .replace: return .replace
        case .append: return .append
        case .refuse:
            let what = folder.label != label
                ? "was written by \"\(folder.label)\", not \"\(label)\""
                : "holds results of other settings (\(differences(from: folder).joined(separator: ", ")))"
            throw ReticleError(.usage, file: outDir.path,
                               "\(what); use --force to redo everything with these settings (the other items are removed), "
                               + "--append to keep both (rows tagged by settings hash), or another --out")
        }
    }

    /// The settings that differ, as dotted paths ("options.model"), with both values when short.
    public func differences(from other: OutputFolderIdentity) -> [String] {
        let old = Self.leaves(.object(other.settings), ""), new = Self.leaves(.object(settings), "")
        let keys = Set(old.keys).union(new.keys).sorted()
        let changed = keys.compactMap { key -> String? in
            guard old[key] != new[key] else { return nil }
            let o = old[key]?.serialized() ?? "unset", n = new[key]?.serialized() ?? "unset"
            return o.count + n.count <= 80 ? "\(key): \(o) → \(n)" : key
        }
        return changed.isEmpty ? ["settings hash \(other.settingsHash.prefix(12)) → \(settingsHash.prefix(12))"] : changed
    }

    /// Non-object values by dotted path.
    static func leaves(_ value: JSONValue, _ prefix: String) -> [String: JSONValue] {
        guard let object = value.objectValue else { return [prefix: value] }
        var out: [String: JSONValue] = [:]
        for (k, v) in object { out.merge(leaves(v, prefix.isEmpty ? k : prefix + "." + k)) { a, _ in a } }
        return out
    }

    /// The id an appended item takes when another setting's record holds its plain id.
    public func taggedID(_ id: String) -> String { id + "@" + settingsHash.prefix(8) }
}
