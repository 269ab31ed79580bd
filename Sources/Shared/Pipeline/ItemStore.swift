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
        if create { try Self.makeFolder(outDir.appendingPathComponent("items")) }
    }

    /// Creates `folder` and its missing parents; the error names the folder that could not be made
    /// and the system's reason.
    static func makeFolder(_ folder: URL) throws {
        var isDir: ObjCBool = false
        if FileManager.default.fileExists(atPath: folder.path, isDirectory: &isDir) {
            guard isDir.boolValue else { throw ReticleError(.io, file: folder.path, "cannot create the output folder: a file of that name exists") }
            return
        }
        let parent = folder.deletingLastPathComponent()
        if parent.path != folder.path { try makeFolder(parent) }
        if let refused = FaultInjection.writeRefusal(for: folder.path) {
            errno = refused
        } else if mkdir(folder.path, 0o755) == 0 || errno == EEXIST {
            return
        }
        throw ReticleError(.io, file: folder.path, "cannot create the output folder: \(String(cString: strerror(errno)))")
    }

    /// Finds an output folder that cannot be written before any item runs: a temporary file is
    /// created and removed in the folder and in items/ (either may be read-only or not ours).
    public func checkWritable() throws {
        for folder in [outDir, itemsDir] {
            if let reason = AtomicFile.writeCheck(folder: folder) {
                throw ReticleError(.io, file: folder.path, "the output folder cannot be written: \(reason)")
            }
        }
    }

    /// Creates the sub-folders a command writes besides items/ (`overlays/`, ...) through the same
    /// checked path as the folder itself, after `checkWritable`: a folder that cannot be written is
    /// named by that check with nothing made in it, and one of them that cannot be written is named too.
    public func makeSubfolders(_ names: [String]) throws {
        for name in names {
            let folder = outDir.appendingPathComponent(name)
            try Self.makeFolder(folder)
            if let reason = AtomicFile.writeCheck(folder: folder) {
                throw ReticleError(.io, file: folder.path, "the output folder cannot be written: \(reason)")
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
