// What a grading run leaves for the lab to file, rebuilt from every record in items/ (so
// shards merged by copying give the same files): report.html (self-contained: images
// embedded; date, Reticle version, settings, model, every warning, a sign-off block),
// results.csv with a fixed column set, specimens.csv and specimens.json, and the one-line
// summary the command prints.

import Foundation
import Shared

public enum GradingReport {
    /// results.csv of `micro grade`, in this order, whatever the items (errors have the same columns, empty where
    /// there is nothing). Lists are joined with "; ", numbers rounded to 4 decimals.
    public static let columns = [
        "id", "file", "status", "error", "specimen", "type", "confidence", "uncalibrated_confidence", "needle_class",
        "needle_confidence", "needs_review", "review_reasons", "crop_agreement", "feature_distance", "patches",
        "um_per_px", "calibration_source", "grain_size_g", "warnings", "settings_hash", "model_sha256", "input_hash", "finished_at",
    ]

    /// What a run produced, as the command's last line says it.
    public struct Summary: Sendable {
        public var items = 0, graded = 0, review = 0, errors = 0, warnings = 0
        public var report: String
        public var line: String {
            "\(items) items: \(graded) graded, \(review) in the review queue, \(errors) errors; \(warnings) warning\(warnings == 1 ? "" : "s"); report: \(report)"
        }
    }

    /// Everything in `outDir`; `settings` is the options as the settings hash saw them.
    @discardableResult
    public static func write(_ records: [ItemRecord], specimens: [SpecimenGrade], modelPath: String, modelWarnings: [String],
                             settings: JSONValue, to outDir: URL) throws -> Summary {
        let modelSHA = BatchSettings.fingerprint(modelPath)
        var typeCounts: [String: Int] = [:], needleCounts: [String: Int] = [:]
        var rows: [HTMLReport.Row] = []
        var warnings: [[String]] = modelWarnings.map { ["model", $0] }
        var summary = Summary(report: outDir.appendingPathComponent("report.html").path)
        var hasOverlays = false
        for r in records {
            summary.items += 1
            guard r.status == .ok else {
                summary.errors += 1
                rows.append(HTMLReport.Row(file: r.file, ok: false, needsReview: true, reasons: [r.error ?? "error"]))
                continue
            }
            let o = r.result
            let type = o["type"]?.stringValue ?? ""
            typeCounts[type, default: 0] += 1
            let review = o["needs_review"]?.boolValue ?? false
            if review { summary.review += 1 } else { summary.graded += 1 }
            for w in o["warnings"]?.arrayValue?.compactMap(\.stringValue) ?? [] { warnings.append([r.file, w]) }
            var cells: [(String, String)] = [("specimen", o["specimen"]?.stringValue ?? ""), ("type", type),
                                             ("confidence", number(o["confidence"]))]
            if let n = o["needle_class"]?.stringValue {
                needleCounts[n, default: 0] += 1
                cells.append(("needle class (house scale)", n))
                cells.append(("needle confidence", number(o["needle_confidence"])))
            }
            cells.append(("crops agreeing", number(o["crop_agreement"])))
            cells.append(("feature distance", number(o["feature_distance"])))
            cells.append(("µm/px", number(o["calibration"]?["um_per_px"])))
            cells.append(("calibration source", o["calibration"]?["source"]?.stringValue ?? ""))
            if let g = grainSize(o) { cells.append(("grain size G", g)) }
            let thumbnail = embedded(o["thumbnail"]?.stringValue, in: outDir)
            let overlay = embedded(o["overlay"]?.stringValue, in: outDir)
            if overlay != nil { hasOverlays = true }
            rows.append(HTMLReport.Row(file: r.file, ok: true, needsReview: review,
                                       reasons: o["review_reasons"]?.arrayValue?.compactMap(\.stringValue) ?? [], cells: cells,
                                       thumbnail: thumbnail, overlay: overlay))
        }
        summary.warnings = warnings.count
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
        var notes = ["Model: \(modelPath) (SHA-256 \(modelSHA)).",
                     "Reticle \(ReticleVersion.string); report written \(ISO8601DateFormatter().string(from: Date())).",
                     "Settings: \(settings.serialized())",
                     "Confidence is the model's type probability after its temperature (fitted on held-out specimens); the review queue holds every image with a reason below, errors first.",
                     "Needle class: \(GradingLabels.houseScale)."]
        if hasOverlays {
            notes.append("Overlays: Grad-CAM of the predicted type, normalised once per image (red = regions that drove the call; the legend and class are written on each); full-resolution overlays are in overlays/.")
        }
        var tables: [(title: String, header: [String], rows: [[String]])] = [
            ("Specimens (review first)", ["specimen", "images", "type", "confidence", "needle class", "status"], specimenRows),
            ("Warnings (\(warnings.count))", ["source", "warning"], warnings.isEmpty ? [["", "none"]] : warnings),
        ]
        tables.append(("Sign-off", ["role", "name", "date", "signature"], [["graded by", "", "", ""], ["reviewed by", "", "", ""]]))
        let report = HTMLReport(title: "Reticle: steel micrograph grading", notes: notes, distributions: distributions, rows: rows,
                                extraTables: tables)
        try report.write(to: outDir.appendingPathComponent("report.html"))
        try AtomicFile.write(JSONValue.array(specimens.map { .object($0.json) }).serialized(pretty: true) + "\n",
                             to: outDir.appendingPathComponent("specimens.json"))
        try AtomicFile.write(specimensCSV(specimens), to: outDir.appendingPathComponent("specimens.csv"))
        try AtomicFile.write(resultsCSV(records, modelSHA256: modelSHA), to: outDir.appendingPathComponent("results.csv"))
        return summary
    }

    /// results.csv: `columns`, one row per record.
    public static func resultsCSV(_ records: [ItemRecord], modelSHA256: String) -> String {
        var out = columns.joined(separator: ",") + "\n"
        for r in records {
            let o = r.result
            let values: [String: String] = [
                "id": r.id, "file": r.file, "status": r.status.rawValue, "error": r.error ?? "",
                "specimen": o["specimen"]?.stringValue ?? "", "type": o["type"]?.stringValue ?? "",
                "confidence": number(o["confidence"]), "uncalibrated_confidence": number(o["uncalibrated_confidence"]),
                "needle_class": o["needle_class"]?.stringValue ?? "", "needle_confidence": number(o["needle_confidence"]),
                "needs_review": r.status == .ok ? String(o["needs_review"]?.boolValue ?? false) : "",
                "review_reasons": list(o["review_reasons"]), "crop_agreement": number(o["crop_agreement"]),
                "feature_distance": number(o["feature_distance"]), "patches": o["patches"]?.intValue.map(String.init) ?? "",
                "um_per_px": number(o["calibration"]?["um_per_px"]), "calibration_source": o["calibration"]?["source"]?.stringValue ?? "",
                "grain_size_g": grainSize(o) ?? "", "warnings": list(o["warnings"]), "settings_hash": r.settingsHash,
                "model_sha256": modelSHA256, "input_hash": r.inputHash, "finished_at": r.finishedAt,
            ]
            out += columns.map { csvField(values[$0] ?? "") }.joined(separator: ",") + "\n"
        }
        return out
    }

    /// specimens.csv: specimen, images, type, confidence, needle_class, needs_review, review_reasons, files.
    public static func specimensCSV(_ specimens: [SpecimenGrade]) -> String {
        var out = "specimen,images,type,confidence,needle_class,needs_review,review_reasons,files\n"
        for s in specimens {
            out += [s.specimen, String(s.images.count), s.type, String(format: "%.4f", s.confidence), s.needleClass ?? "",
                    String(s.needsReview), s.reasons.joined(separator: "; "), s.images.joined(separator: "; ")].map(csvField).joined(separator: ",") + "\n"
        }
        return out
    }

    /// A number rounded to 4 decimals without trailing zeros; "" for none.
    static func number(_ v: JSONValue?) -> String {
        guard let d = v?.doubleValue, d.isFinite else { return "" }
        var s = String(format: "%.4f", d)
        while s.contains(".") && (s.hasSuffix("0") || s.hasSuffix(".")) { s.removeLast() }
        return s == "-0" ? "0" : s
    }

    static func list(_ v: JSONValue?) -> String { (v?.arrayValue?.compactMap(\.stringValue) ?? []).joined(separator: "; ") }

    /// The first method's G of a grain-size result (planimetric before intercept, as measured), or nil.
    static func grainSize(_ o: JSONObject) -> String? {
        guard let g = o["grain_size"]?.objectValue else { return nil }
        for key in g.keys.sorted() { if let v = g[key]?["G"], v.doubleValue != nil { return number(v) } }
        return nil
    }

    static func csvField(_ s: String) -> String {
        s.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" }) ? "\"" + s.replacingOccurrences(of: "\"", with: "\"\"") + "\"" : s
    }

    /// A PNG under `outDir` as a data: URI, so report.html stands alone; nil when absent.
    static func embedded(_ relative: String?, in outDir: URL) -> String? {
        guard let relative, let data = FileManager.default.contents(atPath: outDir.appendingPathComponent(relative).path) else { return nil }
        return "data:image/png;base64," + data.base64EncodedString()
    }

    /// The terminal's view: one line per item (file, type, confidence, needle class, review), errors and review
    /// items with their first reason.
    public static func terminalTable(_ records: [ItemRecord]) -> String {
        func cell(_ s: String, _ n: Int) -> String {
            let t = s.count > n ? "…" + s.suffix(n - 1) : s
            return t.padding(toLength: n, withPad: " ", startingAt: 0)
        }
        var out = cell("file", 28) + "  " + cell("type", 14) + "  conf   " + cell("needle", 6) + "  status\n"
        for r in records {
            guard r.status == .ok else { out += cell(r.file, 28) + "  error: " + (r.error ?? "") + "\n"; continue }
            let o = r.result
            let reasons = o["review_reasons"]?.arrayValue?.compactMap(\.stringValue) ?? []
            let status = reasons.isEmpty ? "ok" : "review: " + reasons[0] + (reasons.count > 1 ? " (+\(reasons.count - 1))" : "")
            out += cell(r.file, 28) + "  " + cell(o["type"]?.stringValue ?? "", 14) + "  "
                + String(format: "%.2f", o["confidence"]?.doubleValue ?? 0) + "   " + cell(o["needle_class"]?.stringValue ?? "–", 6) + "  " + status + "\n"
        }
        return out
    }
}
