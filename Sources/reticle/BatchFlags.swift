// Flags every batch command shares; they mean the same everywhere (DESIGN.md "The CLI").
// They are run options (`RunOptions`): where and how a batch runs, never part of its settings.
import ArgumentParser
import Foundation
import Shared

struct BatchFlags: ParsableArguments {
    @Option(name: .long, help: "Output folder: items/<id>.json per input, results.csv, results.jsonl.")
    var out: String?

    @Flag(name: .long, help: "Redo items whose results already exist; in a folder of other settings or another command, remove its items first.")
    var force = false

    @Flag(name: .long, help: "Write into a folder of other settings keeping its items (rows tagged by settings hash).")
    var append = false

    @Flag(name: .long, help: "Try again items that took the process down in an earlier run (otherwise they stay error rows).")
    var retryCrashed = false

    @Option(name: .long, help: "Process only shard K of N (e.g. 3/8); shards are disjoint and cover all inputs.")
    var shard: String?

    @Option(name: .long, help: "Compute threads: items processed at once, sharing this bound on every kernel (default: one per core).")
    var threads: Int = 0

    @Option(name: .long, help: "Only files matching this glob (repeatable), e.g. '*.svs'.")
    var include: [String] = []

    @Option(name: .long, help: "Skip files matching this glob (repeatable).")
    var exclude: [String] = []

    @Flag(name: .long, help: "Do not descend into sub-folders.")
    var noRecursive = false

    @Flag(name: .long, help: "Take every file in folders and lists, not only those of formats Reticle reads (the others become error rows).")
    var allFiles = false

    @Flag(name: .long, help: "Machine-readable JSON on stdout.")
    var json = false

    @Flag(name: .long, help: "No progress output.")
    var quiet = false

    /// Set by `reticle run`: the protocol's hash joins the settings, so results record it.
    @Option(name: .long, help: .hidden)
    var protocolSha256: String?

    var run: RunOptions {
        var r = RunOptions()
        r.out = out
        r.force = force
        r.append = append
        r.retryCrashed = retryCrashed
        r.shard = shard
        r.threads = threads
        r.include = include
        r.exclude = exclude
        r.noRecursive = noRecursive
        r.allFiles = allFiles
        r.json = json
        r.quiet = quiet
        r.protocolSha256 = protocolSha256
        return r
    }

    func validate() throws { try usage { try run.validate() } }
}

/// `--threads N` (N ≥ 1) bounds every kernel and OpenBLAS to N threads; 0 keeps one per core.
func applyComputeThreads(_ n: Int) {
    if n > 0 { ComputeThreads.set(n) }
}

/// A usage or setup error: printed, exit status 1, nothing processed.
func fail(_ error: Error) -> ExitCode {
    FileHandle.standardError.write(Data("reticle: \(error.localizedDescription)\n".utf8))
    return ExitCode(1)
}

/// Runs a library check in `validate()`: its error becomes argument-parser's usage error.
func usage(_ check: () throws -> Void) throws {
    do { try check() } catch { throw ValidationError(error.localizedDescription) }
}

extension BatchFlags {
    /// The whole of a batch command after its own setup: collect the inputs, run `work` on each
    /// through the batch pipeline, print the rows, say how it went, exit 2 when items failed.
    /// The settings (hash and run.json) come from the whole `options` value.
    /// A failure before any item is processed (inputs, output folder) exits 1. `finish` runs once
    /// all items are done, with the output folder (when there is one): reports built from items/.
    /// A command with a `table` prints that compact table instead of a block per item (nothing with --quiet); one
    /// with a `report` prints the line it returns (counts, the report's path) even with --quiet.
    /// `subfolders` of the output folder that `work` writes into (`overlays`) are made after its write check.
    func runBatch<O: CommandOptions>(_ inputs: [String], label: String, options: O, subfolders: [String] = [],
                                     finish: ((URL) throws -> Void)? = nil,
                                     report: ((URL) throws -> String)? = nil,
                                     table: (([ItemRecord]) -> String)? = nil,
                                     expand: (([InputItem]) -> [InputItem])? = nil,
                                     work: @escaping @Sendable (InputItem) throws -> JSONObject) throws {
        let run = self.run
        applyComputeThreads(threads)
        let selection: InputCollector.Selection
        let batch: BatchOptions
        do {
            selection = try run.inputs(inputs, formats: Inspectors.all)
            batch = try run.batchOptions(for: options, subfolders: subfolders)
        } catch {
            throw fail(error)
        }
        let items = expand?(selection.items) ?? selection.items
        for warning in run.ineffectiveFlags { FileHandle.standardError.write(Data("\(label): warning: \(warning)\n".utf8)) }
        if !selection.skipped.isEmpty && !quiet {
            let names = selection.skipped.prefix(5).joined(separator: ", ") + (selection.skipped.count > 5 ? ", ..." : "")
            FileHandle.standardError.write(Data("\(label): skipped \(selection.skipped.count) file(s) not of a format Reticle reads: \(names) (--all-files takes them)\n".utf8))
        }
        let summary: BatchSummary
        let records: [ItemRecord]
        do {
            (summary, records) = try BatchRunner(options: batch).run(items, label: label, work: work)
        } catch {
            throw fail(error)
        }
        if let table, !json {
            if !quiet { Swift.print(table(records), terminator: "") }
        } else {
            BatchOutput.print(records, json: json)
        }
        // A report that cannot be written (read-only folder, full disk) names its file; the items
        // and tables already landed.
        if let finish, let outDir = batch.outDir {
            do { try finish(outDir) } catch { throw fail(error) }
        }
        if !quiet && (out != nil || items.count > 1) {
            FileHandle.standardError.write(Data("\(label): \(summary.description)\n".utf8))
        }
        if let report, let outDir = batch.outDir {
            FileHandle.standardError.write(Data("\(label): \(try report(outDir))\n".utf8))
        }
        if summary.exitCode != 0 { throw ExitCode(summary.exitCode) }
    }
}
