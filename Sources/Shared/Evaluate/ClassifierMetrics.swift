// The metrics a diagnostic classifier is reported with, from per-sample class probabilities:
// accuracy, balanced accuracy, macro-F1 and the confusion matrix; ROC-AUC and PR-AUC (average
// precision), one-vs-rest macro for more than two classes; for two classes, sensitivity and
// specificity at a threshold on the positive (last) class's probability; and percentile-bootstrap
// intervals of each, resampling samples or whole groups (patients).

import Foundation

public struct ClassifierMetrics: Sendable {
    public let classes: [String]
    /// Binary tasks: the positive class's probability at or above which a sample is called positive.
    public let threshold: Double
    public let confusion: ConfusionMatrix
    public let accuracy: Double
    public let balancedAccuracy: Double?
    public let macroF1: Double?
    /// nil where the truth holds one class only.
    public let rocAUC: Double?
    public let prAUC: Double?
    /// Binary tasks only: recall of the positive class and of the negative class.
    public let sensitivity: Double?
    public let specificity: Double?
    /// Percentile-bootstrap intervals by metric name (`roc_auc`, `accuracy`, ...); empty without resamples.
    public let intervals: [(name: String, interval: BootstrapInterval)]

    /// - Parameters:
    ///   - probabilities: one row per sample, one probability per class.
    ///   - truth: class indices.
    ///   - groups: the resampling unit of the bootstrap (patient); nil resamples samples.
    ///   - resamples: 0 for no intervals.
    /// - Throws: `ReticleError(.usage)` for no samples, rows of the wrong width, or a class index out of range.
    public init(probabilities: [[Double]], truth: [Int], classes: [String], threshold: Double = 0.5,
                groups: [String]? = nil, resamples: Int = 1000, level: Double = 0.95, seed: UInt64 = 0) throws {
        let k = classes.count
        guard !truth.isEmpty, probabilities.count == truth.count else {
            throw ReticleError(.usage, "metrics: \(probabilities.count) probability rows for \(truth.count) labels")
        }
        guard k >= 2, probabilities.allSatisfy({ $0.count == k }) else { throw ReticleError(.usage, "metrics: every row needs \(k) probabilities") }
        guard truth.allSatisfy({ (0..<k).contains($0) }) else { throw ReticleError(.usage, "metrics: a label lies outside 0..<\(k)") }
        guard threshold.isFinite, threshold >= 0, threshold <= 1 else { throw ReticleError(.usage, "metrics: threshold \(threshold) is outside [0, 1]") }
        guard groups == nil || groups!.count == truth.count else { throw ReticleError(.usage, "metrics: one group per sample") }
        self.classes = classes
        self.threshold = threshold
        let summary = try Self.summary(probabilities, truth, Array(truth.indices), k: k, threshold: threshold)
        confusion = summary.confusion
        accuracy = summary.values["accuracy"]!!
        balancedAccuracy = summary.values["balanced_accuracy"]!
        macroF1 = summary.values["macro_f1"]!
        rocAUC = summary.values["roc_auc"]!
        prAUC = summary.values["pr_auc"]!
        sensitivity = summary.values["sensitivity"] ?? nil
        specificity = summary.values["specificity"] ?? nil
        var intervals: [(String, BootstrapInterval)] = []
        if resamples > 0 {
            for name in Self.names(k: k) where summary.values[name] != nil && summary.values[name]! != nil {
                let metric: ([Int]) throws -> Double? = { idx in try Self.summary(probabilities, truth, idx, k: k, threshold: threshold).values[name] ?? nil }
                let interval = try groups.map { try BootstrapInterval(groups: $0, resamples: resamples, level: level, seed: seed, metric: metric) }
                    ?? BootstrapInterval(count: truth.count, resamples: resamples, level: level, seed: seed, metric: metric)
                intervals.append((name, interval))
            }
        }
        self.intervals = intervals
    }

    /// The metric names in report order.
    static func names(k: Int) -> [String] {
        ["roc_auc", "pr_auc", "accuracy", "balanced_accuracy", "macro_f1"] + (k == 2 ? ["sensitivity", "specificity"] : [])
    }

    /// Every metric over the samples `idx` (with repeats, for the bootstrap).
    static func summary(_ probabilities: [[Double]], _ truth: [Int], _ idx: [Int], k: Int, threshold: Double) throws
        -> (confusion: ConfusionMatrix, values: [String: Double?]) {
        let labels = (0..<k).map(String.init)
        let y = idx.map { truth[$0] }
        let predicted = idx.map { i -> Int in
            let row = probabilities[i]
            if k == 2 { return row[1] >= threshold ? 1 : 0 }
            return row.indices.max { row[$0] < row[$1] }!
        }
        let confusion = try ConfusionMatrix(classes: labels, truth: y, predicted: predicted)
        var values: [String: Double?] = ["accuracy": confusion.accuracy, "balanced_accuracy": confusion.balancedAccuracy,
                                         "macro_f1": confusion.macroF1]
        // One-vs-rest per class present on both sides; the binary case is class 1 against class 0.
        var rocs: [Double] = [], prs: [Double] = []
        for c in (k == 2 ? [1] : Array(0..<k)) {
            let positives = y.map { $0 == c }
            guard positives.contains(true), positives.contains(false) else { continue }
            let scores = idx.map { probabilities[$0][c] }
            rocs.append(try ROCCurve.auc(scores: scores, positives: positives))
            prs.append(try PrecisionRecallCurve(scores: scores, positives: positives).averagePrecision)
        }
        values["roc_auc"] = rocs.isEmpty ? nil : rocs.reduce(0, +) / Double(rocs.count)
        values["pr_auc"] = prs.isEmpty ? nil : prs.reduce(0, +) / Double(prs.count)
        if k == 2 {
            values["sensitivity"] = confusion.recall[1]
            values["specificity"] = confusion.recall[0]
        }
        return (confusion, values)
    }

    /// The metrics as ordered JSON (`roc_auc`, `pr_auc`, `accuracy`, ..., `confusion`, `intervals`).
    public var json: JSONObject {
        var o = JSONObject()
        func put(_ key: String, _ v: Double?) { o[key] = v.map { .number($0) } ?? .null }
        o["samples"] = .int(confusion.total)
        put("roc_auc", rocAUC)
        put("pr_auc", prAUC)
        put("accuracy", accuracy)
        put("balanced_accuracy", balancedAccuracy)
        put("macro_f1", macroF1)
        if classes.count == 2 {
            o["threshold"] = .number(threshold)
            put("sensitivity", sensitivity)
            put("specificity", specificity)
        }
        o["classes"] = .array(classes.map { .string($0) })
        o["confusion"] = .array(confusion.counts.map { .array($0.map { .int($0) }) })
        if !intervals.isEmpty {
            var ci = JSONObject()
            for (name, i) in intervals {
                ci[name] = .object(["lower": .number(i.lower), "upper": .number(i.upper), "level": .number(i.level), "resamples": .int(i.resamples)])
            }
            o["intervals"] = .object(ci)
        }
        return o
    }
}
