// `reticle merge DIR [SHARD...]`: rebuild results.csv / results.jsonl from items/, taking in the shards' folders first.
import ArgumentParser
import Foundation
import Shared

struct MergeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "merge",
        abstract: "Rebuild results.csv and results.jsonl from DIR/items/, after taking in the records and outputs of SHARD folders (--shard K/N runs).",
        discussion: """
        Two records of one id for different files, or one file under two ids, are refused naming both; \
        nothing is copied then.
        """)

    @Argument(help: "The output folder (made when missing and SHARD folders are given).")
    var dir: String

    @Argument(help: "Output folders of --shard K/N runs to merge into DIR.")
    var shards: [String] = []

    @Flag(help: "Merge items of different settings or commands (rows tagged by settings hash) instead of refusing.")
    var allowMixedSettings = false

    func run() throws {
        let outcome: OutputFolderMerge.Outcome
        do {
            outcome = try OutputFolderMerge.merge(outDir: URL(fileURLWithPath: dir), shards: shards.map { URL(fileURLWithPath: $0) },
                                                  allowMixedSettings: allowMixedSettings)
        } catch {
            throw fail(error)
        }
        for path in outcome.unreadable {
            FileHandle.standardError.write(Data("reticle: \(path): not a complete item record, left out\n".utf8))
        }
        let n = outcome.records.count
        print("merged \(n) items (\(n - outcome.failed) ok, \(outcome.failed) failed) into \(dir)/results.csv and results.jsonl")
        if outcome.failed > 0 || !outcome.unreadable.isEmpty { throw ExitCode(2) }
    }
}
