// Held-out evaluation of a grading model, per image as grading works: the geometric mean of an
// image's grid-patch probabilities decides its class (the argmax for the type, the median for the
// ordinal needle class). Accuracy, per-class recall and the
// confusion matrix for each head; mean absolute class error for the ordinal needle head.

import Foundation
import Shared

public struct GradingEvaluation: Sendable {
    /// Images evaluated (all on held-out specimens).
    public var images: Int
    public var specimens: Int
    public var type: ConfusionMatrix
    /// nil when the model has no needle head.
    public var needle: ConfusionMatrix?
    /// Patch-level type accuracy, for comparison with the image-level figure.
    public var patchTypeAccuracy: Double
    /// Per evaluated image (in `images` order): its index in the dataset, the aggregated type probabilities, and how
    /// many of its patches were called right out of how many.
    public var imageIndices: [Int]
    public var typeProbabilities: [[Double]]
    public var patchesRight: [Int]
    public var patchesTotal: [Int]

    /// - Throws: `ReticleError(.usage)` when a label lies outside the dataset's classes.
    init(dataset: GradingDataset, prepared: [PreparedPatches], images: [Int], classifier: PatchClassifier) throws {
        let hasNeedle = classifier.network.heads.count > 1
        var typeTruth: [Int] = [], typeCall: [Int] = []
        var needleTruth: [Int] = [], needleCall: [Int] = []
        var patchTruth: [Int] = [], patchCall: [Int] = []
        var typeProbabilities: [[Double]] = [], patchesRight: [Int] = [], patchesTotal: [Int] = []
        for i in images {
            let m = dataset.micrographs[i]
            let probs = classifier.probabilities(Tensor.stack(prepared[i].gridPatches.isEmpty ? prepared[i].patches : prepared[i].gridPatches))
            let imageP = PatchClassifier.aggregate(probs[0])
            typeProbabilities.append(imageP)
            typeTruth.append(m.type)
            typeCall.append(PatchClassifier.argmax(imageP))
            let calls = probs[0].map(PatchClassifier.argmax)
            patchesRight.append(calls.filter { $0 == m.type }.count)
            patchesTotal.append(calls.count)
            patchTruth += [Int](repeating: m.type, count: probs[0].count)
            patchCall += calls
            if hasNeedle, let truth = m.needleClass {
                needleTruth.append(truth)
                needleCall.append(PatchClassifier.median(PatchClassifier.aggregate(probs[1])))
            }
        }
        self.images = images.count
        imageIndices = images
        self.typeProbabilities = typeProbabilities
        self.patchesRight = patchesRight
        self.patchesTotal = patchesTotal
        specimens = Set(images.map { dataset.micrographs[$0].specimen }).count
        type = try ConfusionMatrix(classes: dataset.typeClasses, truth: typeTruth, predicted: typeCall)
        needle = hasNeedle ? try ConfusionMatrix(classes: dataset.needleClasses, truth: needleTruth, predicted: needleCall) : nil
        patchTypeAccuracy = try ConfusionMatrix(classes: dataset.typeClasses, truth: patchTruth, predicted: patchCall).accuracy
    }

    /// evaluation.json: held-out figures per head.
    public var json: JSONObject {
        var o: JSONObject = ["held_out_images": .int(images), "held_out_specimens": .int(specimens), "split": "by specimen",
                             "type": .object(type.json),
                             "type_patch_accuracy": .number((patchTypeAccuracy * 10000).rounded() / 10000)]
        if let needle {
            var n = needle.json
            n["mean_absolute_class_error"] = .number((needle.meanAbsoluteError * 10000).rounded() / 10000)
            n["scale"] = .string(GradingLabels.houseScale)
            o["needle_class"] = .object(n)
        }
        return o
    }

    /// What `reticle micro train` prints.
    /// A warning when the held-out type calls are no better than guessing (balanced accuracy within 5 points of
    /// 1 / classes), nil otherwise: such a model must not be written silently.
    public var chanceWarning: String? {
        let k = Double(type.classes.count)
        guard images > 0, let balanced = type.balancedAccuracy, balanced <= 1 / k + 0.05 else { return nil }
        return String(format: "the model is at chance on held-out specimens (balanced accuracy %.1f %% with %d classes, chance %.1f %%): more data, epochs or another architecture are needed",
                      100 * balanced, type.classes.count, 100 / k)
    }

    public var summary: String {
        var out = "held-out: \(images) images of \(specimens) specimens (split by specimen)\n"
        out += String(format: "type accuracy %.1f %% (patches %.1f %%)\n", 100 * type.accuracy, 100 * patchTypeAccuracy)
        out += "type recall: " + zip(type.classes, type.recall).map { "\($0) \($1.map { String(format: "%.1f %%", 100 * $0) } ?? "–")" }.joined(separator: ", ") + "\n"
        out += type.table
        if let needle {
            out += String(format: "needle-class accuracy %.1f %%, mean absolute class error %.3f\n", 100 * needle.accuracy, needle.meanAbsoluteError)
            out += "needle-class recall: " + zip(needle.classes, needle.recall).map { "\($0) \($1.map { String(format: "%.1f %%", 100 * $0) } ?? "–")" }.joined(separator: ", ") + "\n"
            out += needle.table
            out += "(\(GradingLabels.houseScale))\n"
        }
        return out
    }
}
