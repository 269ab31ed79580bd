// How well a classifier's confidence matches how often it is right: confidences (the largest
// class probability) fall into equal-width bins over [0, 1], and each bin's accuracy is set
// against its mean confidence. The expected calibration error (Guo et al. 2017, "On Calibration
// of Modern Neural Networks") is the sample-weighted mean gap; the table is what a reliability
// diagram plots, and what temperature scaling should flatten.

import Foundation

public struct ReliabilityTable: Equatable, Sendable {
    public struct Bin: Equatable, Sendable {
        /// The bin holds confidences in (lower, upper]; the first bin also holds 0.
        public let lower: Double
        public let upper: Double
        public let count: Int
        /// nil for an empty bin.
        public let meanConfidence: Double?
        /// Fraction of the bin's samples that were right; nil for an empty bin.
        public let accuracy: Double?
    }

    public let bins: [Bin]
    public let samples: Int
    /// ECE = Σ_b (n_b / N)·|accuracy_b − confidence_b|.
    public let expectedCalibrationError: Double
    /// The largest gap over non-empty bins.
    public let maximumCalibrationError: Double

    /// - Parameters:
    ///   - confidences: per sample, the probability given to the predicted class (0...1).
    ///   - correct: per sample, whether the prediction was right.
    ///   - bins: number of equal-width bins (15 as in Guo et al.).
    /// - Throws: `ReticleError(.usage)` for no samples, mismatched lengths, fewer than one bin, or
    ///   a confidence outside 0...1.
    public init(confidences: [Double], correct: [Bool], bins: Int = 15) throws {
        guard !confidences.isEmpty else { throw ReticleError(.usage, "calibration error: no samples") }
        guard confidences.count == correct.count else {
            throw ReticleError(.usage, "calibration error: \(confidences.count) confidences but \(correct.count) outcomes")
        }
        guard bins >= 1 else { throw ReticleError(.usage, "calibration error: needs at least one bin, got \(bins)") }
        guard confidences.allSatisfy({ (0...1).contains($0) }) else {
            throw ReticleError(.usage, "calibration error: a confidence lies outside 0…1")
        }
        let edges = (0...bins).map { Double($0) / Double(bins) }
        var count = [Int](repeating: 0, count: bins), right = count
        var confidenceSum = [Double](repeating: 0, count: bins)
        for (c, ok) in zip(confidences, correct) {
            // Upper edges are inclusive, as in Guo et al.'s code; ceil finds the bin, the loops
            // correct for rounding at an edge.
            var b = min(bins - 1, max(0, Int((c * Double(bins)).rounded(.up)) - 1))
            while b > 0 && c <= edges[b] { b -= 1 }
            while b < bins - 1 && c > edges[b + 1] { b += 1 }
            count[b] += 1
            confidenceSum[b] += c
            if ok { right[b] += 1 }
        }
        let n = Double(confidences.count)
        var ece = 0.0, mce = 0.0
        self.bins = (0..<bins).map { b in
            guard count[b] > 0 else { return Bin(lower: edges[b], upper: edges[b + 1], count: 0, meanConfidence: nil, accuracy: nil) }
            let confidence = confidenceSum[b] / Double(count[b]), accuracy = Double(right[b]) / Double(count[b])
            ece += Double(count[b]) / n * abs(accuracy - confidence)
            mce = max(mce, abs(accuracy - confidence))
            return Bin(lower: edges[b], upper: edges[b + 1], count: count[b], meanConfidence: confidence, accuracy: accuracy)
        }
        samples = confidences.count
        expectedCalibrationError = ece
        maximumCalibrationError = mce
    }

    /// From class probabilities: the confidence is each row's largest probability, the
    /// prediction its index (the first on a tie).
    /// - Throws: as `init(confidences:correct:bins:)`, and for mismatched lengths or empty rows.
    public init(probabilities: [[Double]], truth: [Int], bins: Int = 15) throws {
        guard probabilities.count == truth.count else {
            throw ReticleError(.usage, "calibration error: \(probabilities.count) probability rows but \(truth.count) labels")
        }
        guard probabilities.allSatisfy({ !$0.isEmpty }) else { throw ReticleError(.usage, "calibration error: an empty probability row") }
        let predicted = probabilities.map { row in row.indices.max { row[$0] < row[$1] || (row[$0] == row[$1] && $0 > $1) }! }
        try self.init(confidences: zip(probabilities, predicted).map { $0[$1] },
                      correct: zip(predicted, truth).map { $0 == $1 }, bins: bins)
    }
}
