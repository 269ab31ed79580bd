// The `items/` folder of a batch output: one JSON file per input item, the
// source of truth from which tables and reports are rebuilt.

import Foundation
#if canImport(Glibc)
import Glibc
#endif

public struct ItemStore: Sendable {
    public let outDir: URL
    public var itemsDir: URL { outDir.appendingPathComponent("items") }

    /// Creates `outDir/items` when missing.
    public init(outDir: URL, create: Bool = true) throws {
        self.outDir = outDir
        if create {
            do {
                try FileManager.default.createDirectory(at: outDir.appendingPathComponent("items"),
                                                        withIntermediateDirectories: true)
            } catch {
                throw ReticleError(.io, file: outDir.path, "cannot create output folder: \(error.localizedDescription)")
            }
        }
    }

    public func url(for id: String) -> URL { itemsDir.appendingPathComponent(id + ".json") }

    /// The stored record, or nil when absent or unreadable (an unreadable one is redone).
    public func load(id: String) -> ItemRecord? {
        guard let data = FileManager.default.contents(atPath: url(for: id).path),
              let json = try? JSONValue.parse(data) else { return nil }
        return try? ItemRecord(json: json)
    }

    public func save(_ record: ItemRecord) throws {
        try AtomicFile.write(record.json.serialized(pretty: true) + "\n", to: url(for: record.id))
    }

    /// Removes temporaries left by runs that were killed between write and rename, in the output
    /// folder and its sub-folders (items/, overlays/, ...). A temporary whose writer still runs on
    /// this host is left alone: shards sharing the folder are writing it.
    @discardableResult
    public func removeStaleTemporaries() -> Int {
        var removed = 0
        var folders = [outDir]
        let subfolders = (try? FileManager.default.contentsOfDirectory(at: outDir, includingPropertiesForKeys: [.isDirectoryKey])) ?? []
        folders += subfolders.filter { (try? $0.resourceValues(forKeys: [.isDirectoryKey]).isDirectory) == true }
        for folder in folders {
            for name in (try? FileManager.default.contentsOfDirectory(atPath: folder.path)) ?? []
            where name.contains(AtomicFile.temporaryMarker) {
                if let pid = AtomicFile.writer(ofTemporary: name), CrashJournal.isRunning(pid), pid != getpid() { continue }
                if (try? FileManager.default.removeItem(at: folder.appendingPathComponent(name))) != nil { removed += 1 }
            }
        }
        return removed
    }

    /// Whether items/ holds any record file.
    public var holdsRecords: Bool {
        ((try? FileManager.default.contentsOfDirectory(atPath: itemsDir.path)) ?? []).contains { $0.hasSuffix(".json") && !$0.hasPrefix(".") }
    }

    /// Deletes the records `matching` selects (a `--force` run into a folder of other settings).
    public func removeRecords(matching: (ItemRecord) -> Bool) throws {
        for record in allRecords().records where matching(record) {
            do { try FileManager.default.removeItem(at: url(for: record.id)) } catch {
                throw ReticleError(.io, file: url(for: record.id).path, "cannot remove the record of other settings: \(error.localizedDescription)")
            }
        }
    }

    /// Every readable record, sorted by id, and the names of files that are not records.
    public func allRecords() -> (records: [ItemRecord], unreadable: [String]) {
        let names = ((try? FileManager.default.contentsOfDirectory(atPath: itemsDir.path)) ?? [])
            .filter { $0.hasSuffix(".json") && !$0.hasPrefix(".") }
            .sorted()
        var records: [ItemRecord] = []
        var unreadable: [String] = []
        for name in names {
            let path = itemsDir.appendingPathComponent(name).path
            if let data = FileManager.default.contents(atPath: path),
               let json = try? JSONValue.parse(data), let r = try? ItemRecord(json: json) {
                records.append(r)
            } else {
                unreadable.append(path)
            }
        }
        return (records.sorted { $0.id < $1.id }, unreadable)
    }
}
