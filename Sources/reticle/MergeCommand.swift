// `reticle merge DIR`: rebuild results.csv / results.jsonl from items/ (after shards were copied together).
import ArgumentParser
import Foundation
import Shared

struct MergeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "merge",
        abstract: "Rebuild results.csv and results.jsonl from DIR/items/ (e.g. after copying shards together).")

    @Argument(help: "An output folder holding items/.")
    var dir: String

    @Flag(help: "Merge items of different settings or commands (rows tagged by settings hash) instead of refusing.")
    var allowMixedSettings = false

    func run() throws {
        let outcome: OutputFolderMerge.Outcome
        do {
            outcome = try OutputFolderMerge.merge(outDir: URL(fileURLWithPath: dir), allowMixedSettings: allowMixedSettings)
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
