// report.html and evaluation.json of `micro evaluate`: the recipes side by side (per image,
// per crop, per specimen, calibration), their confusion matrices and reliability tables, and
// every held-out image with each recipe's call, the wrong ones first.

import Foundation
import Shared

public enum CrossValidationReport {
    /// Writes `report.html` and `evaluation.json` into `outDir` (created).
    public static func write(_ result: CrossValidationResult, command: String, to outDir: URL) throws {
        try FileManager.default.createDirectory(at: outDir, withIntermediateDirectories: true)
        let pct = { (v: Double) in String(format: "%.1f %%", 100 * v) }
        var summary: [[String]] = []
        var tables: [(title: String, header: [String], rows: [[String]])] = []
        var distributions: [HTMLReport.Distribution] = []
        for recipe in result.recipes {
            let f = try result.figuresPerSeed(recipe)
            func cell(_ k: KeyPath<CrossValidationResult.Figures, Double>) -> String {
                let v = f.map { $0[keyPath: k] }
                let mean = v.reduce(0, +) / Double(v.count)
                return v.count > 1 ? "\(pct(mean)) (\(pct(v.min()!))–\(pct(v.max()!)))" : pct(mean)
            }
            summary.append([recipe.name, cell(\.imageAccuracy), cell(\.balancedAccuracy), cell(\.cropAccuracy), cell(\.specimenAccuracy),
                            String(format: "%.3f", f.map(\.expectedCalibrationError).reduce(0, +) / Double(f.count))])
            let confusion = try result.confusion(recipe)
            tables.append(("Confusion, \(recipe.name) (rows: truth, columns: call; all seeds)", ["truth \\ call"] + confusion.classes,
                           zip(confusion.classes, confusion.counts).map { [$0] + $1.map(String.init) }))
            let reliability = try result.reliability(recipe)
            tables.append(("Reliability, \(recipe.name) (ECE \(String(format: "%.3f", reliability.expectedCalibrationError)))",
                           ["confidence bin", "images", "mean confidence", "accuracy"],
                           reliability.bins.filter { $0.count > 0 }.map { b in
                               [String(format: "%.1f–%.1f", b.lower, b.upper), String(b.count),
                                String(format: "%.3f", b.meanConfidence ?? 0), String(format: "%.3f", b.accuracy ?? 0)]
                           }))
            distributions.append(HTMLReport.Distribution(
                title: "Reliability plot, \(recipe.name): accuracy (%) per confidence bin; a calibrated model's bars rise with the bin",
                counts: reliability.bins.filter { $0.count > 0 }.map { b in
                    (String(format: "%.1f–%.1f (n=%d)", b.lower, b.upper, b.count), Int(((b.accuracy ?? 0) * 100).rounded()))
                }))
        }
        tables.insert(("Recipes side by side (mean over seeds, min–max)",
                       ["recipe", "per image", "balanced (per image)", "per crop", "per specimen", "ECE (per image)"], summary), at: 0)

        // One row per image: each recipe's calls over the seeds.
        var rows: [HTMLReport.Row] = []
        for (i, m) in result.dataset.micrographs.enumerated() {
            var cells: [(String, String)] = [("specimen", m.specimen), ("truth", result.dataset.typeClasses[m.type])]
            var wrong: [String] = []
            for recipe in result.recipes {
                let mine = recipe.outcomes.filter { $0.image == i }
                guard !mine.isEmpty else { continue }
                let right = mine.filter { $0.call == m.type }.count
                let crops = Double(mine.reduce(0) { $0 + $1.patchesRight }) / Double(max(1, mine.reduce(0) { $0 + $1.patchesTotal }))
                let calls = mine.map { "\(result.dataset.typeClasses[$0.call]) \(String(format: "%.2f", $0.probabilities[$0.call]))" }
                cells.append(("\(recipe.name): calls (confidence)", calls.joined(separator: ", ")))
                cells.append(("\(recipe.name): crops right", pct(crops)))
                if right < mine.count { wrong.append("\(recipe.name) wrong in \(mine.count - right) of \(mine.count) seeds") }
            }
            rows.append(HTMLReport.Row(file: m.name, ok: true, needsReview: !wrong.isEmpty, reasons: wrong, cells: cells))
        }
        let design = result.leaveOneOut ? "leave one specimen out (\(result.folds) folds)" : "\(result.folds) folds of whole specimens"
        let report = HTMLReport(
            title: "Reticle: cross-validation by specimen",
            notes: ["Data: \(result.dataset.source): \(result.dataset.micrographs.count) images of \(result.dataset.specimenCount) specimens, types \(result.dataset.typeClasses.joined(separator: ", ")).",
                    "Split: \(design); every image is graded by models that never saw its specimen. Seeds: \(result.seeds.map(String.init).joined(separator: ", ")).",
                    "Per image: the argmax of the geometric mean of the image's grid-patch probabilities (as micro grade). Per crop: each grid patch on its own. Per specimen: the argmax of the mean of its images' probabilities against the majority type of its images.",
                    "ECE: expected calibration error of the image confidences, 10 equal bins.",
                    "Command: \(command)",
                    "Reticle \(ReticleVersion.string), \(ISO8601DateFormatter().string(from: Date()))."],
            distributions: distributions, rows: rows, extraTables: tables)
        try report.write(to: outDir.appendingPathComponent("report.html"))
        try AtomicFile.write(JSONValue.object(try result.json).serialized(pretty: true) + "\n", to: outDir.appendingPathComponent("evaluation.json"))
    }
}
