// A confusion matrix and the figures read off it: accuracy, balanced accuracy, per-class recall,
// precision and F1, and for ordinal classes the mean absolute class error. Every domain reports
// its held-out results through this one type, so "recall" means the same thing everywhere.

import Foundation

public struct ConfusionMatrix: Equatable, Sendable {
    public let classes: [String]
    /// counts[truth][predicted].
    public private(set) var counts: [[Int]]

    /// An empty matrix over `classes`.
    public init(classes: [String]) {
        self.classes = classes
        counts = [[Int]](repeating: [Int](repeating: 0, count: classes.count), count: classes.count)
    }

    /// Counts (truth, predicted) class-index pairs.
    /// - Throws: `ReticleError(.usage)` when the lists differ in length or an index is outside `classes`.
    public init(classes: [String], truth: [Int], predicted: [Int]) throws {
        guard truth.count == predicted.count else {
            throw ReticleError(.usage, "confusion matrix: \(truth.count) true labels but \(predicted.count) predictions")
        }
        self.init(classes: classes)
        for (t, p) in zip(truth, predicted) { try add(truth: t, predicted: p) }
    }

    /// - Throws: `ReticleError(.usage)` when either index is outside `classes`.
    public mutating func add(truth: Int, predicted: Int) throws {
        guard classes.indices.contains(truth), classes.indices.contains(predicted) else {
            throw ReticleError(.usage, "confusion matrix: class index (truth \(truth), predicted \(predicted)) outside 0..<\(classes.count)")
        }
        counts[truth][predicted] += 1
    }

    public var total: Int { counts.reduce(0) { $0 + $1.reduce(0, +) } }
    private var correct: Int { classes.indices.reduce(0) { $0 + counts[$1][$1] } }

    /// Fraction of samples on the diagonal; 0 for an empty matrix.
    public var accuracy: Double { total == 0 ? 0 : Double(correct) / Double(total) }

    /// Mean recall over the classes that occur in truth (scikit-learn's `balanced_accuracy_score`;
    /// "average accuracy" in remote sensing). nil for an empty matrix.
    public var balancedAccuracy: Double? { Self.mean(recall.compactMap { $0 }) }

    /// Recall of each class: correct / samples of that class (nil where no sample had that class).
    public var recall: [Double?] {
        classes.indices.map { c in
            let n = counts[c].reduce(0, +)
            return n == 0 ? nil : Double(counts[c][c]) / Double(n)
        }
    }

    /// Precision of each class: correct / predictions of that class (nil where nothing was predicted as it).
    public var precision: [Double?] {
        classes.indices.map { c in
            let n = counts.reduce(0) { $0 + $1[c] }
            return n == 0 ? nil : Double(counts[c][c]) / Double(n)
        }
    }

    /// F1 of each class, 2·TP / (2·TP + FP + FN): 0 when a class was missed entirely or only
    /// predicted wrongly, nil where it neither occurred nor was predicted.
    public var f1: [Double?] {
        classes.indices.map { c in
            let truth = counts[c].reduce(0, +), predicted = counts.reduce(0) { $0 + $1[c] }
            let denominator = truth + predicted
            return denominator == 0 ? nil : Double(2 * counts[c][c]) / Double(denominator)
        }
    }

    /// Mean F1 over classes where it is defined; nil for an empty matrix.
    public var macroF1: Double? { Self.mean(f1.compactMap { $0 }) }

    /// Each row divided by its class's sample count, so row c reads as "of class c, the share
    /// predicted as each class"; rows of classes without samples are all 0.
    public var rowNormalized: [[Double]] {
        counts.map { row in
            let n = row.reduce(0, +)
            return row.map { n == 0 ? 0 : Double($0) / Double(n) }
        }
    }

    /// Mean |predicted − truth| in class steps (meaningful for ordinal classes); 0 for an empty matrix.
    public var meanAbsoluteError: Double {
        var sum = 0
        for t in classes.indices { for p in classes.indices { sum += abs(t - p) * counts[t][p] } }
        return total == 0 ? 0 : Double(sum) / Double(total)
    }

    private static func mean(_ values: [Double]) -> Double? {
        values.isEmpty ? nil : values.reduce(0, +) / Double(values.count)
    }

    public var json: JSONObject {
        var recallObject = JSONObject()
        for (c, r) in zip(classes, recall) { recallObject[c] = r.map { .number(($0 * 10000).rounded() / 10000) } ?? .null }
        return ["classes": .array(classes.map { .string($0) }),
                "accuracy": .number((accuracy * 10000).rounded() / 10000),
                "recall": .object(recallObject),
                "matrix": .array(counts.map { .array($0.map { .int($0) }) }),
                "samples": .int(total)]
    }

    /// The matrix as text, truth down and prediction across.
    public var table: String {
        let width = max(6, (classes.map(\.count).max() ?? 0) + 1)
        func pad(_ s: String) -> String { String(repeating: " ", count: max(0, width - s.count)) + s }
        var out = pad("truth\\pred") + classes.map(pad).joined() + "\n"
        for (c, row) in zip(classes, counts) { out += pad(c) + row.map { pad(String($0)) }.joined() + "\n" }
        return out
    }
}
