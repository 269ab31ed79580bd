// The receiver operating characteristic of a binary score: how the true-positive rate trades
// against the false-positive rate as the threshold falls, and the area under it. The area is
// computed by ranks (Mann–Whitney U), so tied scores count half, exactly as the trapezoid rule
// over the curve and scikit-learn's `roc_auc_score` do.

import Foundation

public struct ROCCurve: Equatable, Sendable {
    public struct Point: Equatable, Sendable {
        public let falsePositiveRate: Double
        public let truePositiveRate: Double
        /// Samples scoring at least this are called positive; +∞ for the origin.
        public let threshold: Double
    }

    /// From (0, 0) to (1, 1), one point per distinct score, highest threshold first.
    public let points: [Point]
    /// Area under the curve: the probability that a random positive outscores a random negative,
    /// ties counted half.
    public let auc: Double

    /// - Parameters:
    ///   - scores: higher means more likely positive; one per sample.
    ///   - positives: the truth, one per sample.
    /// - Throws: `ReticleError(.usage)` for no samples, mismatched lengths, a score that is not
    ///   finite, or truth with only one class (the curve and its area are then undefined).
    public init(scores: [Double], positives: [Bool]) throws {
        try Self.check(scores: scores, positives: positives, what: "ROC")
        auc = Self.rankAUC(scores: scores, positives: positives)
        let p = Double(positives.filter { $0 }.count), n = Double(positives.count) - p
        var points = [Point(falsePositiveRate: 0, truePositiveRate: 0, threshold: .infinity)]
        var tp = 0.0, fp = 0.0
        for run in Self.descendingRuns(scores) {
            for i in run { if positives[i] { tp += 1 } else { fp += 1 } }
            points.append(Point(falsePositiveRate: fp / n, truePositiveRate: tp / p, threshold: scores[run[0]]))
        }
        self.points = points
    }

    /// The area alone, without building the curve. Throws as `init(scores:positives:)` does.
    public static func auc(scores: [Double], positives: [Bool]) throws -> Double {
        try check(scores: scores, positives: positives, what: "ROC")
        return rankAUC(scores: scores, positives: positives)
    }

    /// (R₊ − n₊(n₊ + 1)/2) / (n₊·n₋) with mid-ranks for ties.
    static func rankAUC(scores: [Double], positives: [Bool]) -> Double {
        var rank = 1.0, positiveRanks = 0.0
        for run in descendingRuns(scores).reversed() {
            let midRank = rank + Double(run.count - 1) / 2
            positiveRanks += midRank * Double(run.filter { positives[$0] }.count)
            rank += Double(run.count)
        }
        let p = Double(positives.filter { $0 }.count), n = Double(positives.count) - p
        return (positiveRanks - p * (p + 1) / 2) / (p * n)
    }

    /// Sample indices grouped by equal score, highest score first.
    static func descendingRuns(_ scores: [Double]) -> [[Int]] {
        let order = scores.indices.sorted { scores[$0] > scores[$1] }
        var runs: [[Int]] = []
        for i in order {
            if let last = runs.last?.first, scores[last] == scores[i] { runs[runs.count - 1].append(i) } else { runs.append([i]) }
        }
        return runs
    }

    /// The checks shared by the ranking metrics; `needsNegatives` is false for average precision.
    static func check(scores: [Double], positives: [Bool], what: String, needsNegatives: Bool = true) throws {
        guard !scores.isEmpty else { throw ReticleError(.usage, "\(what): no samples") }
        guard scores.count == positives.count else {
            throw ReticleError(.usage, "\(what): \(scores.count) scores but \(positives.count) labels")
        }
        guard scores.allSatisfy(\.isFinite) else { throw ReticleError(.usage, "\(what): a score is not a finite number") }
        let p = positives.filter { $0 }.count
        guard p > 0, !needsNegatives || p < positives.count else {
            throw ReticleError(.usage, "\(what): the truth has only \(p == 0 ? "negatives" : "positives"); the metric needs both classes")
        }
    }
}
