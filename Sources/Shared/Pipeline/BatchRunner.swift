// Owns iteration, parallelism, progress, resume, shards and error rows for
// every batch command, so domain code only says what to do with one item.

import Foundation

/// How a batch runs; every batch command maps its shared flags onto this.
public struct BatchOptions: Sendable {
    /// Where items/ and the tables go; nil runs in memory (no resume, nothing written).
    public var outDir: URL?
    /// Redo items even when a finished record with the same hashes exists, and replace a folder's
    /// items of other settings (`OutputFolderIdentity`).
    public var force: Bool
    /// Write into a folder of other settings keeping its items, this run's tagged by settings hash.
    public var append: Bool
    /// Try again items that took the process down in an earlier run (they are error rows otherwise).
    public var retryCrashed: Bool
    public var shard: Shard
    /// Items processed at once; 0 means `ComputeThreads.count` (their kernels share that bound).
    public var threads: Int
    public var progress: ProgressReporter.Mode
    /// Everything besides the input that determines a result (options, protocol and model hashes).
    /// Its SHA-256 is stored with each item and in run.json; a folder of other settings is refused
    /// unless `force` or `append` says what to do with its items.
    public var settings: JSONObject
    /// Folders the command's work writes into besides items/ (`overlays`): made by the runner after
    /// the output folder's write check, never before it.
    public var subfolders: [String]

    public init(outDir: URL?, force: Bool = false, append: Bool = false, retryCrashed: Bool = false, shard: Shard = .all, threads: Int = 0,
                progress: ProgressReporter.Mode = .quiet, settings: JSONObject = JSONObject(), subfolders: [String] = []) {
        self.outDir = outDir
        self.force = force
        self.append = append
        self.retryCrashed = retryCrashed
        self.shard = shard
        self.threads = threads
        self.progress = progress
        self.settings = settings
        self.subfolders = subfolders
    }

    public var settingsHash: String { FileFingerprint.sha256(JSONValue.object(settings).serialized()) }
    public var folderPolicy: OutputFolderIdentity.Policy { append ? .append : force ? .replace : .refuse }
    public var effectiveThreads: Int { ComputeThreads.workers(requested: threads) }
}

/// What a batch did; `exitCode` follows DESIGN.md (0 all succeeded, 2 some failed).
public struct BatchSummary: Equatable, Sendable {
    public var inShard = 0
    public var processed = 0
    public var skipped = 0
    public var succeeded = 0
    public var failed = 0
    /// Records in items/ after the run (all shards that share the folder).
    public var recordsInFolder = 0

    public var exitCode: Int32 { failed > 0 ? 2 : 0 }

    public var description: String {
        var parts = ["\(inShard) items", "\(succeeded) ok", "\(failed) failed"]
        if skipped > 0 { parts.append("\(skipped) already done") }
        return parts.joined(separator: ", ")
    }
}

public struct BatchRunner: Sendable {
    public let options: BatchOptions

    public init(options: BatchOptions) { self.options = options }

    /// Runs `work` on every item of this shard not already done, in parallel, writing
    /// `items/<id>.json` for each, then rebuilds results.csv/results.jsonl from items/.
    /// `work` returns the result fields or throws; a throw becomes an error row naming the file.
    /// Returns the summary and this shard's records in input order (skipped ones as stored).
    public func run(_ items: [InputItem], label: String,
                    work: @escaping @Sendable (InputItem) throws -> JSONObject) throws
        -> (summary: BatchSummary, records: [ItemRecord]) {
        let store = try options.outDir.map { try ItemStore(outDir: $0) }
        // Before any item runs: a folder that cannot take results is a setup error, not a run
        // whose every result is lost.
        try store?.checkWritable()
        try store?.makeSubfolders(options.subfolders)
        store?.removeStaleTemporaries()
        let journal = try store.map { try CrashJournal(outDir: $0.outDir) }
        if journal != nil { CrashJournal.installHandlers() }
        let settingsHash = options.settingsHash
        var mine = items.filter { options.shard.contains($0) }
        // Records read while deciding ids, so each item's record is read once.
        var loaded: [String: ItemRecord?] = [:]
        if let store {
            let identity = OutputFolderIdentity(label: label, settingsHash: settingsHash, settings: options.settings)
            let admission = try identity.admit(into: store.outDir, holdsItems: store.holdsRecords, policy: options.folderPolicy)
            if admission == .replace {
                try store.removeRecords { $0.settingsHash != settingsHash }
            } else {
                // Another setting's record of the same input is never overwritten (an appended folder
                // holds both): this run's item takes the tagged id, on every later resume too.
                mine = mine.map { item in
                    let old = store.load(id: item.id)
                    guard let old, old.settingsHash != settingsHash else { loaded[item.id] = old; return item }
                    return InputItem(path: item.path, displayPath: item.displayPath, id: identity.taggedID(item.id),
                                     container: item.container, pathKey: item.pathKey)
                }
            }
        }
        let leftovers = journal?.leftovers(for: mine.map(\.id)) ?? [:]

        // Fingerprints are computed up front: they decide what is skipped, and a file that
        // cannot be read at all is already an error row.
        var summary = BatchSummary()
        summary.inShard = mine.count
        var todo: [(slot: Int, item: InputItem, hash: String?, deaths: Int)] = []
        var records = [ItemRecord?](repeating: nil, count: mine.count)
        var crashed = 0
        for (slot, item) in mine.enumerated() {
            let hash = try? FileFingerprint.of(path: item.container ?? item.path)
            let old = loaded[item.id] ?? store?.load(id: item.id)
            let same = hash != nil && old.map { $0.inputHash == hash && $0.settingsHash == settingsHash } == true
            // A saved record wins over a marker: the run ended after saving it, before clearing the marker.
            if !options.force, same, let old, old.status == .ok {
                if leftovers[item.id] != nil { journal?.clear(item.id) }
                summary.skipped += 1
                summary.succeeded += 1
                records[slot] = old
                continue
            }
            let left = leftovers[item.id]
            if let left, left.isCulprit, !options.retryCrashed {
                // The item that took an earlier run down: an error row now, so the rest goes on.
                let record = Self.crashRecord(item, left, inputHash: hash, settingsHash: settingsHash)
                try store?.save(record)
                journal?.clear(item.id)
                records[slot] = record
                crashed += 1
            } else if !options.force, !options.retryCrashed, same, let old, old.isCrash, left == nil {
                // Kept until asked to try again: retrying would take the batch down again.
                summary.skipped += 1
                summary.failed += 1
                records[slot] = old
            } else {
                todo.append((slot, item, hash, left.map { $0.isCulprit ? 0 : $0.deaths } ?? 0))
            }
        }

        let progress = ProgressReporter(label: label, total: todo.count, mode: options.progress)
        // A failed save does not stop the other items (their results still land on disk); it is
        // thrown once the batch is through.
        let done = try parallelMap(count: todo.count, workers: options.effectiveThreads) { index -> (ItemRecord, Error?) in
            let (_, item, hash, deaths) = todo[index]
            journal?.begin(item, deaths: deaths)
            let record = Self.process(item, inputHash: hash, settingsHash: settingsHash, work: work)
            var writeError: Error?
            do { try store?.save(record) } catch { writeError = error }
            journal?.end(item)
            progress.advance(failed: record.status == .error)
            return (record, writeError)
        }
        progress.finish()
        journal?.removeIfEmpty()
        for (entry, (record, _)) in zip(todo, done) { records[entry.slot] = record }
        // Losing results silently is worse than stopping: the disk is full or the folder vanished.
        // The tables still get what did land (when they can be written), then the run fails
        // naming the file; a rerun redoes only the items whose record is missing.
        if let first = done.lazy.compactMap(\.1).first {
            if let store { try? ResultTables.write(store.allRecords().records, to: store.outDir) }
            throw first
        }
        let failures = done.filter { $0.0.status == .error }.count

        summary.processed = todo.count + crashed
        summary.failed += failures + crashed
        summary.succeeded += todo.count - failures
        if let store {
            let all = store.allRecords().records
            summary.recordsInFolder = all.count
            try ResultTables.write(all, to: store.outDir)
            try Self.writeRunFile(in: store.outDir, label: label, settingsHash: settingsHash, settings: options.settings,
                                  shard: options.shard, summary: summary)
        }
        return (summary, records.compactMap { $0 })
    }

    static func process(_ item: InputItem, inputHash: String?, settingsHash: String,
                        work: (InputItem) throws -> JSONObject) -> ItemRecord {
        let start = Date()
        var record = ItemRecord(id: item.id, file: item.displayPath, status: .ok, inputHash: inputHash ?? "",
                                settingsHash: settingsHash, elapsedSeconds: 0, finishedAt: "", pathKey: item.pathKey)
        FaultInjection.beforeItem(item)
        if inputHash == nil {
            record.status = .error
            // A listed file that does not exist is a row too: the rest of the list still runs.
            let reason = FileManager.default.fileExists(atPath: item.container ?? item.path) ? "cannot read file" : "no such file"
            record.error = ReticleError(.io, file: item.displayPath, reason).description
        } else {
            do {
                record.result = try work(item)
            } catch {
                record.status = .error
                record.error = error.reticleMessage(file: item.displayPath)
            }
        }
        record.elapsedSeconds = Date().timeIntervalSince(start)
        record.finishedAt = ItemRecord.timestamp()
        return record
    }

    /// Longest invocation history kept in run.json.
    static let runHistoryLimit = 1000

    /// `run.json`: what produced this folder (the settings themselves, not only their hash) at the
    /// top, and every invocation into the folder in `history`, oldest first, so a folder written by
    /// several runs (shards, resumes, changed settings) says so.
    static func writeRunFile(in outDir: URL, label: String, settingsHash: String, settings: JSONObject,
                             shard: Shard, summary: BatchSummary) throws {
        let url = outDir.appendingPathComponent("run.json")
        let old = FileManager.default.contents(atPath: url.path).flatMap { try? JSONValue.parse($0) }
        let finished = ItemRecord.timestamp()
        var history = old?["history"]?.arrayValue ?? []
        let entry: JSONValue = ["finished_at": .string(finished), "reticle": .string(ReticleVersion.string),
                                "label": .string(label), "settings_hash": .string(settingsHash),
                                "shard": .string(shard.description), "in_shard": .int(summary.inShard),
                                "processed": .int(summary.processed), "skipped": .int(summary.skipped),
                                "failed": .int(summary.failed)]
        history.append(entry)
        if history.count > runHistoryLimit { history.removeFirst(history.count - runHistoryLimit) }
        let run: JSONValue = ["reticle": .string(ReticleVersion.string), "finished_at": .string(finished),
                              "label": .string(label), "settings_hash": .string(settingsHash), "settings": .object(settings),
                              "history": .array(history)]
        try AtomicFile.write(run.serialized(pretty: true) + "\n", to: url)
    }

    /// The error row of an item that took an earlier run down.
    static func crashRecord(_ item: InputItem, _ left: CrashJournal.Leftover, inputHash: String?,
                            settingsHash: String) -> ItemRecord {
        ItemRecord(id: item.id, file: item.displayPath, status: .error,
                   error: ReticleError(.corrupt, file: item.displayPath, left.reason).description,
                   inputHash: inputHash ?? "", settingsHash: settingsHash, elapsedSeconds: 0,
                   finishedAt: ItemRecord.timestamp(), result: [ItemRecord.crashKey: .string(left.signal ?? "killed")],
                   pathKey: item.pathKey)
    }
}
