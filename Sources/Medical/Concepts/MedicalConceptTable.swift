// The concepts CSV of a concept bottleneck: a header with a key column (`file`, or `id` holding a
// file name) and one column per concept holding 0 or 1 for each image. Rows are looked up like the
// labels CSV's file rows (path relative to the CSV or the data folder, or the bare name).

import Foundation
import Shared

struct MedicalConceptTable {
    /// Concept names, in column order.
    let names: [String]
    let byFile: [String: [Int]]
    let path: String

    init(path: String) throws {
        self.path = path
        let text: String
        do { text = try String(contentsOfFile: path, encoding: .utf8) } catch { throw ReticleError(.io, file: path, "concepts CSV not readable as UTF-8 text") }
        let lines = text.split(whereSeparator: \.isNewline).map { String($0).trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
        guard let header = lines.first else { throw ReticleError(.corrupt, file: path, "the concepts CSV is empty") }
        let columns = MedicalLabelTable.cells(header)
        guard let key = columns.firstIndex(where: { ["file", "id"].contains($0.lowercased()) }) else {
            throw ReticleError(.corrupt, file: path, "the concepts CSV needs a file (or id) column (header: \(header))")
        }
        let conceptColumns = columns.indices.filter { $0 != key && !["label", "patient", "series"].contains(columns[$0].lowercased()) }
        guard !conceptColumns.isEmpty else { throw ReticleError(.corrupt, file: path, "the concepts CSV has no concept column (header: \(header))") }
        names = conceptColumns.map { columns[$0] }
        guard Set(names).count == names.count, names.allSatisfy({ !$0.isEmpty }) else {
            throw ReticleError(.corrupt, file: path, "concept column names must be unique and non-empty (header: \(header))")
        }
        var rows: [String: [Int]] = [:]
        for (n, line) in lines.dropFirst().enumerated() {
            let c = MedicalLabelTable.cells(line)
            guard c.count == columns.count, !c[key].isEmpty else {
                throw ReticleError(.corrupt, file: path, "line \(n + 2): expected \(columns.count) cells with a file, got \"\(line)\"")
            }
            rows[c[key]] = try conceptColumns.map { j in
                switch c[j] {
                case "0", "0.0", "false", "no": return 0
                case "1", "1.0", "true", "yes": return 1
                default: throw ReticleError(.corrupt, file: path, "line \(n + 2): concept \"\(columns[j])\" is \"\(c[j])\"; 0 or 1 is read")
                }
            }
        }
        byFile = rows
    }

    /// The concept row of `file` (a path under `root`, relative to the CSV, or a bare name).
    func row(_ file: String, root: String) -> [Int]? {
        let csvDir = (path as NSString).deletingLastPathComponent
        for base in [root, csvDir] where file.hasPrefix(base + "/") {
            if let r = byFile[String(file.dropFirst(base.count + 1))] { return r }
        }
        return byFile[(file as NSString).lastPathComponent]
    }
}
