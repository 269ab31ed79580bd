// Krippendorff's alpha (Krippendorff 2011, "Computing Krippendorff's Alpha-Reliability"):
// α = 1 − D_o / D_e from the coincidence matrix of pairable values, for any number of raters,
// missing ratings, and nominal, ordinal or interval metrics. Units with fewer than two
// ratings are not pairable and drop out.

import Foundation

public struct KrippendorffAlpha: Equatable, Sendable {
    public enum Metric: String, Codable, Sendable, CaseIterable {
        /// δ² = 0 for equal categories, 1 otherwise.
        case nominal
        /// δ²_ck = (Σ_{g=c..k} n_g − (n_c + n_k)/2)²: distance in ranks, by how many values lie between.
        case ordinal
        /// δ²_ck = (c − k)², categories taken as numbers (their names when numeric, else their positions).
        case interval
    }

    public let metric: Metric
    /// Units with two or more ratings.
    public let units: Int
    /// n: number of pairable values.
    public let pairableValues: Int
    /// D_o and D_e as in Krippendorff (2011); α = 1 − D_o/D_e.
    public let observedDisagreement: Double
    public let expectedDisagreement: Double
    /// nil when undefined: fewer than two pairable values, or no variation at all (D_e = 0).
    public let alpha: Double?

    public init(_ table: RatingTable, metric: Metric) {
        self.metric = metric
        let k = table.categories.count
        // Coincidences: each ordered pair of values within a unit counts 1/(m_u − 1).
        var o = [[Double]](repeating: [Double](repeating: 0, count: k), count: k)
        var pairable = 0
        for row in table.codes {
            let values = row.compactMap { $0 }
            let m = values.count
            guard m >= 2 else { continue }
            pairable += 1
            for a in 0..<m {
                for b in 0..<m where b != a {
                    o[values[a]][values[b]] += 1 / Double(m - 1)
                }
            }
        }
        units = pairable
        let nc = o.map { $0.reduce(0, +) }
        let n = nc.reduce(0, +)
        pairableValues = Int(n.rounded())
        let delta = Self.distances(metric: metric, categories: table.categories, marginals: nc)
        var observed = 0.0, expected = 0.0
        for c in 0..<k {
            for j in 0..<k {
                observed += o[c][j] * delta[c][j]
                expected += nc[c] * nc[j] * delta[c][j]
            }
        }
        guard n > 1 else {
            observedDisagreement = 0
            expectedDisagreement = 0
            alpha = nil
            return
        }
        observedDisagreement = observed / n
        expectedDisagreement = expected / (n * (n - 1))
        alpha = expectedDisagreement > 0 ? 1 - observedDisagreement / expectedDisagreement : nil
    }

    /// δ²_ck for every pair of categories.
    static func distances(metric: Metric, categories: [String], marginals nc: [Double]) -> [[Double]] {
        let k = categories.count
        var d = [[Double]](repeating: [Double](repeating: 0, count: k), count: k)
        let numeric = categories.compactMap { Double($0) }
        let values = numeric.count == k ? numeric : categories.indices.map(Double.init)
        for c in 0..<k {
            for j in 0..<k where j != c {
                switch metric {
                case .nominal:
                    d[c][j] = 1
                case .ordinal:
                    let lo = min(c, j), hi = max(c, j)
                    let between = nc[lo...hi].reduce(0, +) - (nc[c] + nc[j]) / 2
                    d[c][j] = between * between
                case .interval:
                    d[c][j] = (values[c] - values[j]) * (values[c] - values[j])
                }
            }
        }
        return d
    }
}
