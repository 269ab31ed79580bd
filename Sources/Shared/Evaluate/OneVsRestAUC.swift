// The ROC area of a multi-class classifier, one class against the rest at a time, and their
// unweighted mean (scikit-learn's `roc_auc_score(multi_class="ovr", average="macro")`).
// A small held-out set can miss a class entirely; that class then has no area and the mean is
// over the others, where scikit-learn would refuse.

import Foundation

public struct OneVsRestAUC: Equatable, Sendable {
    /// ROC area of each class against the rest; nil for a class absent from the truth.
    public let perClass: [Double?]
    /// Mean of the defined per-class areas.
    public let macro: Double

    /// - Parameters:
    ///   - probabilities: one row per sample, one score per class (softmax output or any score).
    ///   - truth: class index per sample.
    /// - Throws: `ReticleError(.usage)` for no samples, mismatched lengths, ragged rows, a class
    ///   index outside the rows, a score that is not finite, or fewer than two classes in the truth.
    public init(probabilities: [[Double]], truth: [Int]) throws {
        guard !truth.isEmpty else { throw ReticleError(.usage, "one-vs-rest AUC: no samples") }
        guard probabilities.count == truth.count else {
            throw ReticleError(.usage, "one-vs-rest AUC: \(probabilities.count) score rows but \(truth.count) labels")
        }
        let k = probabilities[0].count
        guard probabilities.allSatisfy({ $0.count == k }) else {
            throw ReticleError(.usage, "one-vs-rest AUC: score rows differ in length")
        }
        guard truth.allSatisfy({ (0..<k).contains($0) }) else {
            throw ReticleError(.usage, "one-vs-rest AUC: a class index lies outside the \(k) score columns")
        }
        let present = Set(truth)
        guard present.count >= 2 else { throw ReticleError(.usage, "one-vs-rest AUC: the truth has only one class") }
        perClass = try (0..<k).map { c in
            guard present.contains(c) else { return nil }
            return try ROCCurve.auc(scores: probabilities.map { $0[c] }, positives: truth.map { $0 == c })
        }
        let defined = perClass.compactMap { $0 }
        macro = defined.reduce(0, +) / Double(defined.count)
    }
}
