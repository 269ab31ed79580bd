// Cohen's kappa between two raters (Cohen 1960), optionally weighted for ordinal categories
// (Cohen 1968): κ = 1 − Σ w·observed / Σ w·expected, expected from each rater's own marginals.
// Units either rater left out are skipped.

import Foundation

public struct CohenKappa: Equatable, Sendable {
    public let weighting: KappaWeighting
    /// Units both raters rated.
    public let count: Int
    /// Fraction (0...1) of those units given the same category.
    public let agreement: Double
    /// nil when undefined: no shared units, or chance already explains everything (both raters
    /// used one and the same category throughout).
    public let kappa: Double?

    /// - Parameters:
    ///   - a, b: the two raters' codes, unit by unit (same length); nil is a missing rating.
    ///   - categories: number of categories (codes are 0..<categories; larger codes widen the scale).
    /// - Throws: `ReticleError(.usage)` when the raters cover different numbers of units or a code is negative.
    public init(_ a: [Int?], _ b: [Int?], categories: Int, weighting: KappaWeighting = .unweighted) throws {
        guard a.count == b.count else {
            throw ReticleError(.usage, "Cohen's κ: the raters cover \(a.count) and \(b.count) units")
        }
        guard !(a + b).contains(where: { ($0 ?? 0) < 0 }) else {
            throw ReticleError(.usage, "Cohen's κ: a category code is negative")
        }
        self.weighting = weighting
        let pairs = zip(a, b).compactMap { x, y -> (Int, Int)? in
            guard let x, let y else { return nil }
            return (x, y)
        }
        count = pairs.count
        guard !pairs.isEmpty else {
            agreement = 0
            kappa = nil
            return
        }
        let k = max(categories, (pairs.map { max($0.0, $0.1) }.max() ?? 0) + 1)
        var table = [[Double]](repeating: [Double](repeating: 0, count: k), count: k)
        for (x, y) in pairs { table[x][y] += 1 }
        let n = Double(pairs.count)
        let rowSums = table.map { $0.reduce(0, +) }
        let colSums = (0..<k).map { j in table.reduce(0) { $0 + $1[j] } }
        var observed = 0.0, expected = 0.0
        for i in 0..<k {
            for j in 0..<k {
                let w = weighting.weight(i, j)
                observed += w * table[i][j] / n
                expected += w * rowSums[i] * colSums[j] / (n * n)
            }
        }
        agreement = (0..<k).reduce(0) { $0 + table[$1][$1] } / n
        kappa = expected > 0 ? 1 - observed / expected : nil
    }
}
