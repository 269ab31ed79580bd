// report.html and specimens.json of a grading run, rebuilt from every record in items/
// (so shards merged by copying give the same report).

import Foundation
import Shared

public enum GradingReport {
    /// Writes `report.html` and `specimens.json` into `outDir`.
    public static func write(_ records: [ItemRecord], specimens: [SpecimenGrade], model: String, to outDir: URL) throws {
        var typeCounts: [String: Int] = [:], needleCounts: [String: Int] = [:]
        var rows: [HTMLReport.Row] = []
        for r in records {
            guard r.status == .ok else {
                rows.append(HTMLReport.Row(file: r.file, ok: false, needsReview: true, reasons: [r.error ?? "error"]))
                continue
            }
            let o = r.result
            let type = o["type"]?.stringValue ?? ""
            typeCounts[type, default: 0] += 1
            var cells: [(String, String)] = [("type", type), ("confidence", o["confidence"].map { $0.serialized() } ?? "")]
            if let n = o["needle_class"]?.stringValue {
                needleCounts[n, default: 0] += 1
                cells.append(("needle class (house scale)", n))
            }
            cells.append(("µm/px", o["calibration"]?["um_per_px"].map { $0.serialized() } ?? ""))
            cells.append(("calibration source", o["calibration"]?["source"]?.stringValue ?? ""))
            if let g = o["grain_size"]?.objectValue, let first = g.first(where: { $0.value["G"] != nil }) {
                cells.append(("grain size G (\(first.key))", first.value["G"]?.serialized() ?? ""))
            }
            rows.append(HTMLReport.Row(file: r.file, ok: true, needsReview: o["needs_review"]?.boolValue ?? false,
                                       reasons: o["review_reasons"]?.arrayValue?.compactMap(\.stringValue) ?? [], cells: cells,
                                       thumbnail: o["thumbnail"]?.stringValue, overlay: o["overlay"]?.stringValue))
        }
        func numericOrder(_ a: String, _ b: String) -> Bool {
            if let x = Double(a), let y = Double(b) { return x < y }
            return a < b
        }
        var distributions = [HTMLReport.Distribution(title: "Type", counts: typeCounts.keys.sorted().map { ($0, typeCounts[$0]!) })]
        if !needleCounts.isEmpty {
            distributions.append(HTMLReport.Distribution(title: "Needle class (house scale)",
                                                         counts: needleCounts.keys.sorted(by: numericOrder).map { ($0, needleCounts[$0]!) }))
        }
        let specimenRows = specimens.sorted { ($0.needsReview ? 0 : 1, $0.specimen) < ($1.needsReview ? 0 : 1, $1.specimen) }.map { s in
            [s.specimen, String(s.images.count), s.type, String(format: "%.3f", s.confidence), s.needleClass ?? "",
             s.needsReview ? "review: " + s.reasons.joined(separator: "; ") : "ok"]
        }
        let report = HTMLReport(
            title: "Reticle: steel micrograph grading",
            notes: ["Model: \(model)",
                    "Needle class: \(GradingLabels.houseScale).",
                    "Overlays: Grad-CAM of the predicted type (red = regions that drove the call)."],
            distributions: distributions, rows: rows,
            extraTables: [("Specimens (review first)", ["specimen", "images", "type", "confidence", "needle class", "status"], specimenRows)])
        try report.write(to: outDir.appendingPathComponent("report.html"))
        try AtomicFile.write(JSONValue.array(specimens.map { .object($0.json) }).serialized(pretty: true) + "\n",
                             to: outDir.appendingPathComponent("specimens.json"))
    }
}
