// `reticle merge`: shards of one run become one folder's tables. Items
// of different settings (another model, another command, shards started with different
// flags) are not one run: joining them silently gives a table whose columns and numbers
// mean different things row to row, so they are refused unless the user says otherwise.
// Shards that wrote separate folders are merged from those folders, not copied together
// first: a copy lets one shard's `items/ID.json` silently replace another file's record of
// the same id, and only the merge can see both.

import Foundation

public enum OutputFolderMerge {
    public struct Outcome: Sendable {
        public var records: [ItemRecord]
        /// Files in items/ that are not complete records (left out, named on stderr).
        public var unreadable: [String]
        /// Files copied in from the shard folders (records and their outputs).
        public var copied = 0
        public var failed: Int { records.filter { $0.status == .error }.count }
    }

    /// A record and the folder holding it.
    struct Held {
        var record: ItemRecord
        var folder: URL
        var place: String { "\(folder.path)/items/\(record.id).json (\(record.file))" }
    }

    /// Rebuilds results.csv and results.jsonl of `outDir` from its items/, after taking in the records and
    /// outputs of `shards` (output folders of `--shard K/N` runs) when given.
    ///
    /// Refused (nothing copied, no table written), naming both records: two records of one id for different
    /// files (different path keys and contents), and one file (path key) recorded under two ids with the same
    /// settings. Two records of one id and one file (a shard rerun, or a file that moved: same contents) are one
    /// item: the later finished one is kept.
    /// - Throws: `ReticleError(.usage)` when a folder has no items/, for the clashes above, or when items of
    ///   several settings hashes meet and `allowMixedSettings` is false (naming how many items each hash has).
    public static func merge(outDir: URL, shards: [URL] = [], allowMixedSettings: Bool = false) throws -> Outcome {
        let fm = FileManager.default
        for folder in (shards.isEmpty ? [outDir] : shards) where !fm.fileExists(atPath: folder.appendingPathComponent("items").path) {
            throw ReticleError(.usage, file: folder.path, "has no items/ folder: not a Reticle output folder")
        }
        var byID: [String: Held] = [:]
        var unreadable: [String] = []
        // The target's own records first, then each shard's: a shard's later record of an item replaces them.
        // A shard named as the target itself (`merge out ./out`) is the target.
        func place(_ u: URL) -> String { u.standardizedFileURL.resolvingSymlinksInPath().path }
        let shards = shards.filter { place($0) != place(outDir) }
        let sources = (fm.fileExists(atPath: outDir.appendingPathComponent("items").path) ? [outDir] : []) + shards
        var fromShard: [String: URL] = [:]
        for folder in sources {
            let store = try ItemStore(outDir: folder, create: false)
            store.removeStaleTemporaries()
            let (records, bad) = store.allRecords()
            unreadable += bad
            for record in records {
                let held = Held(record: record, folder: folder)
                if let other = byID[record.id] {
                    guard sameInput(other.record, record) else {
                        throw ReticleError(.usage, file: outDir.path,
                                           "two different files hold the id \(record.id): \(other.place) and \(held.place) "
                                           + "(shards that recorded different inputs: run the shards again from one input list, or merge and then add inputs)")
                    }
                    if record.finishedAt < other.record.finishedAt { continue }
                }
                byID[record.id] = held
                if folder != outDir { fromShard[record.id] = folder } else { fromShard[record.id] = nil }
            }
        }
        var byKey: [String: Held] = [:]
        for held in byID.values.sorted(by: { $0.record.id < $1.record.id }) {
            guard let key = held.record.pathKey else { continue }
            let slot = key + "\u{0}" + held.record.settingsHash
            if let other = byKey[slot] {
                throw ReticleError(.usage, file: outDir.path,
                                   "one file is recorded under two ids: \(other.place) and \(held.place) (the same path key \(key))")
            }
            byKey[slot] = held
        }
        let records = byID.values.map(\.record).sorted { $0.id < $1.id }
        var counts: [String: Int] = [:]
        for r in records { counts[r.settingsHash, default: 0] += 1 }
        if counts.count > 1 && !allowMixedSettings {
            let groups = counts.sorted { $0.value > $1.value }.map { "\($0.value) with settings \($0.key.prefix(12))" }
            throw ReticleError(.usage, file: outDir.path,
                               "holds items of \(counts.count) different settings (\(groups.joined(separator: ", "))): "
                               + "they are not one run; --allow-mixed-settings merges them with a settings_hash column")
        }
        var copied = 0
        if !shards.isEmpty {
            let store = try ItemStore(outDir: outDir)
            try store.checkWritable()
            for (id, folder) in fromShard.sorted(by: { $0.key < $1.key }) {
                try AtomicFile.write(try Data(contentsOf: ItemStore(outDir: folder, create: false).url(for: id)), to: store.url(for: id))
                copied += 1
            }
            // Only the outputs of the record kept: an older shard's overlays must not replace the newer ones.
            let ids = Set(byID.keys)
            for shard in shards {
                let kept = Set(fromShard.filter { $0.value == shard }.keys)
                copied += try copyOutputs(from: shard, to: outDir) { rel in Self.itemID(of: rel, among: ids).map(kept.contains) ?? true }
            }
        }
        try ResultTables.write(records, to: outDir)
        return Outcome(records: records, unreadable: unreadable, copied: copied)
    }

    /// Whether two records of one id describe one input: the same path key, or (a file moved, or a record
    /// of a version before path keys) the same contents.
    static func sameInput(_ a: ItemRecord, _ b: ItemRecord) -> Bool {
        if let ka = a.pathKey, let kb = b.pathKey, ka == kb { return true }
        return !a.inputHash.isEmpty && a.inputHash == b.inputHash
    }

    /// The item a file inside an output sub-folder belongs to (`rel` below the sub-folder): its first folder
    /// (`slides/ID/heatmap.png`), else the longest id its name starts with before a "." or "-"
    /// (`overlays/ID.png`, `overlays/ID-gradcam.png`); nil when none does.
    static func itemID(of rel: String, among ids: Set<String>) -> String? {
        let parts = rel.split(separator: "/", omittingEmptySubsequences: true)
        if parts.count > 1, ids.contains(String(parts[0])) { return String(parts[0]) }
        guard let name = parts.last else { return nil }
        // Only the name's prefixes ending before a "." or "-" (or the whole name) can be ids: a few set lookups a file.
        var cut = name.endIndex
        while true {
            if ids.contains(String(name[..<cut])) { return String(name[..<cut]) }
            guard let i = name[..<cut].lastIndex(where: { $0 == "." || $0 == "-" }) else { return nil }
            cut = i
        }
    }

    /// Copies the per-item outputs of a shard folder (its sub-folders other than items/: slides/, overlays/,
    /// dicom/ ...) into `outDir`, keeping their places, those of items `include` accepts (given the path below
    /// the sub-folder); hidden entries (the crash journal) and temporaries stay.
    static func copyOutputs(from shard: URL, to outDir: URL, include: (String) -> Bool = { _ in true }) throws -> Int {
        let fm = FileManager.default
        var copied = 0
        let top = (try? fm.contentsOfDirectory(atPath: shard.path)) ?? []
        for name in top.sorted() where !name.hasPrefix(".") && name != "items" {
            var isDir: ObjCBool = false
            guard fm.fileExists(atPath: shard.appendingPathComponent(name).path, isDirectory: &isDir), isDir.boolValue else { continue }
            let files = fm.enumerator(atPath: shard.appendingPathComponent(name).path)?.compactMap { $0 as? String } ?? []
            for rel in files.sorted() where !rel.split(separator: "/").contains(where: { $0.hasPrefix(".") }) && include(rel) {
                let source = shard.appendingPathComponent(name).appendingPathComponent(rel)
                guard fm.fileExists(atPath: source.path, isDirectory: &isDir), !isDir.boolValue else { continue }
                let target = outDir.appendingPathComponent(name).appendingPathComponent(rel)
                try ItemStore.makeFolder(target.deletingLastPathComponent())
                try AtomicFile.write(try Data(contentsOf: source), to: target)
                copied += 1
            }
        }
        return copied
    }
}
