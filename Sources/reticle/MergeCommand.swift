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

    func run() throws {
        let url = URL(fileURLWithPath: dir)
        guard FileManager.default.fileExists(atPath: url.appendingPathComponent("items").path) else {
            throw fail(ReticleError(.usage, file: dir, "has no items/ folder: not a Reticle output folder"))
        }
        let store = try ItemStore(outDir: url, create: false)
        store.removeStaleTemporaries()
        let (records, unreadable) = store.allRecords()
        for path in unreadable {
            FileHandle.standardError.write(Data("reticle: \(path): not a complete item record, left out\n".utf8))
        }
        try ResultTables.write(records, to: url)
        let failed = records.filter { $0.status == .error }.count
        print("merged \(records.count) items (\(records.count - failed) ok, \(failed) failed) into \(dir)/results.csv and results.jsonl")
        if failed > 0 || !unreadable.isEmpty { throw ExitCode(2) }
    }
}
