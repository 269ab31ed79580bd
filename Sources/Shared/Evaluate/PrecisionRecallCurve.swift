// Precision against recall as the threshold on a binary score falls, summarised as average
// precision: Σₙ (Rₙ − Rₙ₋₁)·Pₙ over the distinct thresholds, scikit-learn's
// `average_precision_score`. It is a step sum, not the trapezoid, which would be optimistic;
// on rare positives (a lesion, a defect) it tells more than the ROC area.

import Foundation

public struct PrecisionRecallCurve: Equatable, Sendable {
    public struct Point: Equatable, Sendable {
        public let recall: Double
        public let precision: Double
        /// Samples scoring at least this are called positive.
        public let threshold: Double
    }

    /// One point per distinct score, highest threshold (lowest recall) first.
    public let points: [Point]
    public let averagePrecision: Double

    /// - Parameters:
    ///   - scores: higher means more likely positive; one per sample.
    ///   - positives: the truth, one per sample.
    /// - Throws: `ReticleError(.usage)` for no samples, mismatched lengths, a score that is not
    ///   finite, or no positive sample (recall is then undefined). Without negatives it is 1.
    public init(scores: [Double], positives: [Bool]) throws {
        try ROCCurve.check(scores: scores, positives: positives, what: "average precision", needsNegatives: false)
        let p = Double(positives.filter { $0 }.count)
        var tp = 0.0, called = 0.0, previousRecall = 0.0, ap = 0.0
        var points: [Point] = []
        for run in ROCCurve.descendingRuns(scores) {
            for i in run { if positives[i] { tp += 1 } }
            called += Double(run.count)
            let point = Point(recall: tp / p, precision: tp / called, threshold: scores[run[0]])
            ap += (point.recall - previousRecall) * point.precision
            previousRecall = point.recall
            points.append(point)
        }
        self.points = points
        averagePrecision = ap
    }
}
