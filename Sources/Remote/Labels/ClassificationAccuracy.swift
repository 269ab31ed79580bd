// The land-cover figures of the field from a confusion matrix: overall accuracy, average
// (per-class recall) accuracy, Cohen's κ, per-class accuracy and the matrix, always with the split.

import Foundation
import Shared

public struct ClassificationAccuracy: Sendable {
    public let confusion: ConfusionMatrix
    public let kappa: Double
    public let split: JSONObject

    /// `truth` and `predicted` are 0-based class indices of the same pixels.
    public init(classes: [String], truth: [Int], predicted: [Int], split: JSONObject) throws {
        confusion = try ConfusionMatrix(classes: classes, truth: truth, predicted: predicted)
        kappa = try CohenKappa(truth, predicted, categories: classes.count).kappa ?? 0
        self.split = split
    }

    public var overallAccuracy: Double { confusion.accuracy }
    /// Mean recall over the classes present in the reference.
    public var averageAccuracy: Double { confusion.balancedAccuracy ?? 0 }

    /// metrics.json: overall_accuracy, average_accuracy, kappa, per_class, confusion, classes, pixels, split.
    public var json: JSONObject {
        var o = JSONObject()
        o["overall_accuracy"] = .number(overallAccuracy)
        o["average_accuracy"] = .number(averageAccuracy)
        o["kappa"] = .number(kappa)
        var per = JSONObject()
        for (name, r) in zip(confusion.classes, confusion.recall) { per[name] = r.map { .number($0) } ?? .null }
        o["per_class"] = .object(per)
        o["confusion"] = .array(confusion.counts.map { .array($0.map { .int($0) }) })
        o["classes"] = .array(confusion.classes.map { .string($0) })
        o["pixels"] = .int(confusion.total)
        o["split"] = .object(split)
        return o
    }

    /// Lines for a terminal: the figures, then the split they were measured on.
    public var summary: String {
        var s = String(format: "OA %.2f %%  AA %.2f %%  kappa %.4f  (%d test pixels)\n",
                       100 * overallAccuracy, 100 * averageAccuracy, kappa, confusion.total)
        for (name, r) in zip(confusion.classes, confusion.recall) {
            s += "  \(name): " + (r.map { String(format: "%.2f %%", 100 * $0) } ?? "no reference pixels") + "\n"
        }
        s += "split: " + JSONValue.object(split).serialized() + "\n"
        return s
    }
}
