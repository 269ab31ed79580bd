// Temperature scaling (Guo et al. 2017, "On Calibration of Modern Neural Networks"): one scalar
// T > 0 divides the logits before the softmax (or sigmoid), fitted on held-out data by minimising
// the negative log-likelihood. It changes how confident the probabilities are, never which class
// wins, so accuracy and ROC-AUC are untouched while the calibration error falls.

import Foundation

public enum TemperatureScaling {
    /// Negative log-likelihood per sample of `truth` under logits / t. `logits` rows are one head's
    /// outputs: K values (softmax) or 1 (sigmoid, truth 0/1).
    public static func negativeLogLikelihood(_ logits: [[Double]], truth: [Int], temperature t: Double) -> Double {
        var sum = 0.0
        for (row, y) in zip(logits, truth) {
            if row.count == 1 {
                let z = row[0] / t
                // −log σ(z) = log(1 + e^−z), written to stay finite for large |z|.
                let s = y == 1 ? -z : z
                sum += s > 0 ? s + log1p(exp(-s)) : log1p(exp(s))
            } else {
                let scaled = row.map { $0 / t }
                let m = scaled.max()!
                sum += m + log(scaled.reduce(0) { $0 + exp($1 - m) }) - scaled[y]
            }
        }
        return sum / Double(max(truth.count, 1))
    }

    /// The temperature minimising the validation NLL, searched on log T in [1/20, 20] (golden section
    /// after a coarse grid, so a non-convex corner cannot trap it).
    /// - Throws: `ReticleError(.usage)` for no samples or mismatched lengths.
    public static func fit(logits: [[Double]], truth: [Int]) throws -> Double {
        guard !truth.isEmpty, logits.count == truth.count else {
            throw ReticleError(.usage, "temperature scaling: \(logits.count) logit rows for \(truth.count) labels")
        }
        func f(_ u: Double) -> Double { negativeLogLikelihood(logits, truth: truth, temperature: exp(u)) }
        let lo = log(1.0 / 20), hi = log(20.0)
        let grid = (0...40).map { lo + (hi - lo) * Double($0) / 40 }
        let best = grid.indices.min { f(grid[$0]) < f(grid[$1]) }!
        var a = grid[max(best - 1, 0)], b = grid[min(best + 1, grid.count - 1)]
        let g = (sqrt(5.0) - 1) / 2
        var c = b - g * (b - a), d = a + g * (b - a)
        for _ in 0..<60 {
            if f(c) < f(d) { b = d } else { a = c }
            c = b - g * (b - a); d = a + g * (b - a)
        }
        return exp((a + b) / 2)
    }

    /// Probabilities over the classes of logits / t (sigmoid for a single logit: [1 − p, p]).
    public static func probabilities(_ row: [Double], temperature t: Double) -> [Double] {
        if row.count == 1 {
            let p = 1 / (1 + exp(-row[0] / t))
            return [1 - p, p]
        }
        let scaled = row.map { $0 / t }
        let m = scaled.max()!
        let e = scaled.map { exp($0 - m) }
        let s = e.reduce(0, +)
        return e.map { $0 / s }
    }
}
