// report.html of `med classify`, built from every item in the output folder (shards copied in
// included): the calls per class, the review queue first, thumbnails and Grad-CAM overlays; and,
// where the inputs' true labels were given, the metrics, the ROC curve (binary tasks) and the
// reliability diagram, also written as evaluation.json.

import Foundation
import Shared

public enum MedicalClassifyReport {
    public static func write(_ job: MedicalClassifyJob, to outDir: URL) throws {
        let records = try ItemStore(outDir: outDir, create: false).allRecords().records
        let head = job.model.spec.heads[0]
        let single = job.model.spec.heads.count == 1
        var rows: [HTMLReport.Row] = []
        var counts = [Int](repeating: 0, count: head.classes.count)
        var probabilities: [[Double]] = [], truth: [Int] = []
        for r in records {
            guard r.status == .ok else { rows.append(HTMLReport.Row(file: r.file, ok: false, needsReview: false, reasons: [r.error ?? "error"])); continue }
            let o = single ? r.result : r.result[head.name]?.objectValue ?? [:]
            let label = o["label"]?.stringValue ?? ""
            if let c = head.classes.firstIndex(of: label) { counts[c] += 1 }
            var cells: [(String, String)] = [("call", label), ("confidence", o["confidence"]?.doubleValue.map { String(format: "%.3f", $0) } ?? "")]
            if let d = o["disagreement"]?.doubleValue { cells.append(("disagreement", String(format: "%.2f", d))) }
            if let t = r.result["truth"]?.stringValue {
                cells.append(("truth", t))
                if let y = head.classes.firstIndex(of: t), let p = o["probabilities"]?.objectValue {
                    let row = head.classes.map { p[$0]?.doubleValue ?? 0 }
                    probabilities.append(row); truth.append(y)
                }
            }
            rows.append(HTMLReport.Row(file: r.file, ok: true, needsReview: r.result["review"]?.boolValue ?? false,
                                       reasons: r.result["review_reasons"]?.arrayValue?.compactMap(\.stringValue) ?? [], cells: cells,
                                       thumbnail: r.result["thumbnail"]?.stringValue, overlay: r.result["overlay"]?.stringValue))
        }
        let hash = String(BatchSettings.fingerprint(job.options.model).prefix(12))
        let task = job.model.medical["task"]?.stringValue ?? "?"
        let ensemble = job.model.isEnsemble ? ", ensemble of \(job.model.members.count) (\(job.model.aggregation.rawValue))" : ""
        let temperatures = job.model.temperatures.map { String(format: "%.3f", $0) }.joined(separator: ", ")
        var notes: [String] = []
        notes.append("Model: \(job.options.model) (sha256 \(hash)…), task \(task)\(ensemble).")
        notes.append("Probabilities are temperature-scaled (T = \(temperatures)). Not a diagnostic device.")
        notes.append("Reticle \(ReticleVersion.string), \(ISO8601DateFormatter().string(from: Date())).")
        var figures: [String] = []
        if !truth.isEmpty {
            let metrics = try? ClassifierMetrics(probabilities: probabilities, truth: truth, classes: head.classes,
                                                 threshold: job.options.threshold, resamples: 200)
            let reliability = try ReliabilityTable(probabilities: probabilities, truth: truth, bins: 10)
            if let metrics {
                var json = metrics.json
                json["ece"] = .number(reliability.expectedCalibrationError)
                try AtomicFile.write(JSONValue.object(json).serialized(pretty: true) + "\n", to: outDir.appendingPathComponent("evaluation.json"))
                notes.insert(String(format: "Against the labels given (%d images): ROC-AUC %@, accuracy %.3f, ECE %.3f.", truth.count,
                                    metrics.rocAUC.map { String(format: "%.3f", $0) } ?? "n/a", metrics.accuracy, reliability.expectedCalibrationError), at: 1)
            }
            if head.classes.count == 2, let roc = try? ROCCurve(scores: probabilities.map { $0[1] }, positives: truth.map { $0 == 1 }) {
                figures.append(SVGLineChart(title: String(format: "ROC curve (AUC %.3f)", roc.auc), xLabel: "false-positive rate",
                                            yLabel: "true-positive rate", points: roc.points.map { ($0.falsePositiveRate, $0.truePositiveRate) }).svg)
            }
            figures.append(SVGLineChart(title: String(format: "Reliability (ECE %.3f)", reliability.expectedCalibrationError),
                                        xLabel: "confidence", yLabel: "accuracy",
                                        points: reliability.bins.compactMap { b in b.meanConfidence.map { ($0, b.accuracy ?? 0) } }, markers: true).svg)
        }
        var report = HTMLReport(title: "Reticle: medical image classification", notes: notes,
                                distributions: [HTMLReport.Distribution(title: "Calls per class (\(head.name))", counts: zip(head.classes, counts).map { ($0, $1) })],
                                rows: rows)
        report.figures = figures
        try report.write(to: outDir.appendingPathComponent("report.html"))
    }
}
