// The labels CSV of an image or DICOM folder: a header with a `label` column and at least one
// key column, `file` (a path relative to the CSV or the folder, or a bare file name), `series`
// (SeriesInstanceUID) or `patient` (PatientID, also the split group); a file takes the label of
// its own row, else its series', else its patient's. Patient IDs are only compared, never
// written anywhere. An optional `split` column (train, val or test per file row) fixes the split
// instead of the seeded one, so a published or cross-validation split can be reproduced exactly.

import Foundation
import Shared

struct MedicalLabelTable {
    /// Class names: numeric labels in numeric order, others sorted.
    let classes: [String]
    let byFile: [String: String]
    let bySeries: [String: String]
    let byPatient: [String: String]
    /// A file row's `patient` cell, when the CSV gives one (image folders have no PatientID tag).
    let patientOfFile: [String: String]
    /// A file row's `split` cell ("train", "val" or "test"), when the CSV has a split column.
    let splitOfFile: [String: String]
    let hasSplitColumn: Bool
    let path: String

    init(path: String) throws {
        self.path = path
        let text: String
        do { text = try String(contentsOfFile: path, encoding: .utf8) } catch { throw ReticleError(.io, file: path, "labels CSV not readable as UTF-8 text") }
        let lines = text.split(whereSeparator: \.isNewline).map { String($0).trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
        guard let header = lines.first else { throw ReticleError(.corrupt, file: path, "the labels CSV is empty") }
        let names = Self.cells(header).map { $0.lowercased() }
        guard let labelColumn = names.firstIndex(of: "label") else {
            throw ReticleError(.corrupt, file: path, "the labels CSV needs a \"label\" column (header: \(header))")
        }
        let fileColumn = names.firstIndex(of: "file"), seriesColumn = names.firstIndex(of: "series"), patientColumn = names.firstIndex(of: "patient")
        let splitColumn = names.firstIndex(of: "split")
        hasSplitColumn = splitColumn != nil
        guard fileColumn != nil || seriesColumn != nil || patientColumn != nil else {
            throw ReticleError(.corrupt, file: path, "the labels CSV needs a key column: file, series or patient (header: \(header))")
        }
        var byFile: [String: String] = [:], bySeries: [String: String] = [:], byPatient: [String: String] = [:], patientOfFile: [String: String] = [:]
        var splitOfFile: [String: String] = [:]
        for (n, line) in lines.dropFirst().enumerated() {
            let c = Self.cells(line)
            guard c.count == names.count, !c[labelColumn].isEmpty else {
                throw ReticleError(.corrupt, file: path, "line \(n + 2): expected \(names.count) cells with a label, got \"\(line)\"")
            }
            let label = c[labelColumn]
            if let f = fileColumn, !c[f].isEmpty {
                byFile[c[f]] = label
                if let p = patientColumn, !c[p].isEmpty { patientOfFile[c[f]] = c[p] }
                if let s = splitColumn {
                    let side = c[s].lowercased() == "validation" ? "val" : c[s].lowercased()
                    guard ["train", "val", "test"].contains(side) else {
                        throw ReticleError(.corrupt, file: path, "line \(n + 2): split is \"\(c[s])\"; train, val or test is read")
                    }
                    splitOfFile[c[f]] = side
                }
            } else if splitColumn != nil {
                throw ReticleError(.corrupt, file: path, "line \(n + 2): a split column needs a file on every row (splits are per file)")
            } else if let s = seriesColumn, !c[s].isEmpty {
                bySeries[c[s]] = label
            } else if let p = patientColumn, !c[p].isEmpty {
                byPatient[c[p]] = label
            } else {
                throw ReticleError(.corrupt, file: path, "line \(n + 2): no file, series or patient given")
            }
        }
        let all = Set(byFile.values).union(bySeries.values).union(byPatient.values)
        guard all.count >= 2 else { throw ReticleError(.usage, file: path, "the labels CSV names \(all.count) class(es); training needs two or more") }
        classes = all.allSatisfy({ Int($0) != nil }) ? all.sorted { Int($0)! < Int($1)! } : all.sorted()
        self.byFile = byFile; self.bySeries = bySeries; self.byPatient = byPatient; self.patientOfFile = patientOfFile
        self.splitOfFile = splitOfFile
    }

    /// The row key under which `file` is listed: its path relative to the CSV's folder or to `root`, or its name.
    func fileKey(_ file: String, root: String) -> String? {
        let csvDir = (path as NSString).deletingLastPathComponent
        for base in [root, csvDir] where file.hasPrefix(base + "/") {
            let rel = String(file.dropFirst(base.count + 1))
            if byFile[rel] != nil { return rel }
        }
        let name = (file as NSString).lastPathComponent
        return byFile[name] != nil ? name : nil
    }

    /// Comma-separated cells, double quotes around a cell allowed.
    static func cells(_ line: String) -> [String] {
        var out: [String] = [], cell = "", quoted = false
        for ch in line {
            if ch == "\"" { quoted.toggle() } else if ch == "," && !quoted { out.append(cell.trimmingCharacters(in: .whitespaces)); cell = "" } else { cell.append(ch) }
        }
        out.append(cell.trimmingCharacters(in: .whitespaces))
        return out
    }
}
