// Run options: where and how a batch runs, not what it computes. They never join the
// settings hash (a rerun with more threads or another shard redoes nothing), and a protocol
// file cannot set them: they come from the command line.

import Foundation

public struct RunOptions: Codable, Equatable, Sendable {
    /// Output folder: items/<id>.json per input, results.csv, results.jsonl; nil prints only.
    public var out: String?
    /// Redo items whose results already exist; in a folder of other settings, remove their items.
    public var force = false
    /// In a folder of other settings, keep their items and tag this run's rows.
    public var append = false
    /// Try again items that took the process down in an earlier run (error rows otherwise).
    public var retryCrashed = false
    /// "K/N": only shard K of N.
    public var shard: String?
    /// Items processed at once; 0 means one per core.
    public var threads = 0
    /// Only files matching these globs.
    public var include: [String] = []
    /// Skip files matching these globs.
    public var exclude: [String] = []
    /// Do not descend into sub-folders.
    public var noRecursive = false
    /// Take every file found in folders and lists, not only those of formats Reticle reads.
    public var allFiles = false
    /// Machine-readable JSON on stdout.
    public var json = false
    /// No progress output.
    public var quiet = false
    /// Set by `reticle run`: the protocol's SHA-256, which joins the settings so results record it.
    public var protocolSha256: String?

    public init() {}

    /// The option names (flags without --) of run options: a protocol may not set these.
    public static var keys: [String] { OptionKeys.keys(of: RunOptions()) }

    /// - Throws: `ReticleError(.usage)` for a malformed shard or a negative thread count.
    public func validate() throws {
        if let shard { _ = try Shard(parsing: shard) }
        if threads < 0 { throw ReticleError(.usage, "--threads must be ≥ 0") }
        if force && append { throw ReticleError(.usage, "--force replaces the folder's items and --append keeps them: give one") }

    }

    /// Flags given that do nothing in this combination, said once on stderr rather than ignored silently.
    public var ineffectiveFlags: [String] {
        guard out == nil else { return [] }
        return [("--force", force), ("--append", append), ("--retry-crashed", retryCrashed)].filter(\.1)
            .map { "\($0.0) does nothing without --out (nothing is stored to redo or keep)" }
    }

    public var collector: InputCollector {
        InputCollector(include: include, exclude: exclude, recursive: !noRecursive)
    }

    /// The collector for a command: scanned files must be recognised by `formats` unless --all-files.
    public func collector(formats: InspectorRegistry) -> InputCollector {
        var c = collector
        if !allFiles { c.accepts = { formats.recognizes(path: $0) } }
        c.partOf = { formats.partOf(path: $0) }
        return c
    }

    /// The inputs of a batch: a usage error when nothing matched (naming the arguments and filters).
    public func inputs(_ arguments: [String], formats: InspectorRegistry) throws -> InputCollector.Selection {
        var collector = collector(formats: formats)
        // Inputs the output folder already holds keep their ids; new ones take ids no record holds.
        if let out { collector.recorded = RecordedInput.read(outDir: URL(fileURLWithPath: out)) }
        let selection = try collector.select(arguments)
        _ = try selection.requireItems(arguments, include: include, exclude: exclude)
        return selection
    }

    /// The batch runner's options for a command whose options are `options`.
    /// `subfolders` (`overlays`) are made after the output folder's write check.
    public func batchOptions<O: CommandOptions>(for options: O, subfolders: [String] = []) throws -> BatchOptions {
        BatchOptions(outDir: out.map { URL(fileURLWithPath: $0) }, force: force, append: append, retryCrashed: retryCrashed,
                     shard: try shard.map { try Shard(parsing: $0) } ?? .all, threads: threads,
                     progress: .automatic(quiet: quiet || json),
                     settings: try BatchSettings.make(options, protocolSHA256: protocolSha256), subfolders: subfolders)
    }
}
