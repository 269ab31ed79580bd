// `reticle merge`: shards of one run, copied together, become one folder's tables. Items
// of different settings (another model, another command, shards started with different
// flags) are not one run: joining them silently gives a table whose columns and numbers
// mean different things row to row, so they are refused unless the user says otherwise.

import Foundation

public enum OutputFolderMerge {
    public struct Outcome: Sendable {
        public var records: [ItemRecord]
        /// Files in items/ that are not complete records (left out, named on stderr).
        public var unreadable: [String]
        public var failed: Int { records.filter { $0.status == .error }.count }
    }

    /// Rebuilds results.csv and results.jsonl of `outDir` from its items/.
    /// - Throws: `ReticleError(.usage)` when the folder has no items/, or holds items of several settings
    ///   hashes and `allowMixedSettings` is false (naming how many items each hash has).
    public static func merge(outDir: URL, allowMixedSettings: Bool = false) throws -> Outcome {
        guard FileManager.default.fileExists(atPath: outDir.appendingPathComponent("items").path) else {
            throw ReticleError(.usage, file: outDir.path, "has no items/ folder: not a Reticle output folder")
        }
        let store = try ItemStore(outDir: outDir, create: false)
        store.removeStaleTemporaries()
        let (records, unreadable) = store.allRecords()
        var counts: [String: Int] = [:]
        for r in records { counts[r.settingsHash, default: 0] += 1 }
        if counts.count > 1 && !allowMixedSettings {
            let groups = counts.sorted { $0.value > $1.value }.map { "\($0.value) with settings \($0.key.prefix(12))" }
            throw ReticleError(.usage, file: outDir.path,
                               "holds items of \(counts.count) different settings (\(groups.joined(separator: ", "))): "
                               + "they are not one run; --allow-mixed-settings merges them with a settings_hash column")
        }
        try ResultTables.write(records, to: outDir)
        return Outcome(records: records, unreadable: unreadable)
    }
}
