// A confusion matrix with the figures the issue asks for: accuracy, per-class recall and,
// for ordinal classes, the mean absolute class error.

import Foundation
import Shared

public struct ConfusionMatrix: Equatable, Sendable {
    public let classes: [String]
    /// counts[truth][predicted].
    public private(set) var counts: [[Int]]

    public init(classes: [String]) {
        self.classes = classes
        counts = [[Int]](repeating: [Int](repeating: 0, count: classes.count), count: classes.count)
    }

    public mutating func add(truth: Int, predicted: Int) { counts[truth][predicted] += 1 }

    public var total: Int { counts.reduce(0) { $0 + $1.reduce(0, +) } }
    public var accuracy: Double { total == 0 ? 0 : Double(classes.indices.reduce(0) { $0 + counts[$1][$1] }) / Double(total) }

    /// Recall of each class (nil where no sample had that class).
    public var recall: [Double?] {
        classes.indices.map { c in
            let n = counts[c].reduce(0, +)
            return n == 0 ? nil : Double(counts[c][c]) / Double(n)
        }
    }

    /// Mean |predicted − truth| in class steps (meaningful for ordinal classes).
    public var meanAbsoluteError: Double {
        var sum = 0
        for t in classes.indices { for p in classes.indices { sum += abs(t - p) * counts[t][p] } }
        return total == 0 ? 0 : Double(sum) / Double(total)
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
