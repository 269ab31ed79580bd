// Fleiss' kappa for many raters on a nominal scale (Fleiss 1971): mean pairwise agreement per
// unit against the agreement expected from the pooled category proportions. Units may have
// different numbers of ratings (raters missing an image); each unit's agreement is then the
// fraction of its own rater pairs that agree, and units with fewer than two ratings are left out.

import Foundation

public struct FleissKappa: Equatable, Sendable {
    /// Units with at least two ratings.
    public let units: Int
    /// Fewest and most ratings a counted unit has (equal in Fleiss' original design).
    public let ratingsPerUnit: ClosedRange<Int>?
    /// P̄: mean over units of the fraction of rater pairs that agree.
    public let observedAgreement: Double
    /// P̄e: Σ p_j², p_j the pooled share of category j.
    public let expectedAgreement: Double
    /// nil when undefined (no usable units, or every rating in one category).
    public let kappa: Double?

    /// - Parameter counts: per unit, how many raters chose each category (`counts[unit][category]`).
    public init(counts: [[Int]]) {
        let usable = counts.filter { $0.reduce(0, +) >= 2 }
        units = usable.count
        let m = usable.map { $0.reduce(0, +) }
        ratingsPerUnit = m.isEmpty ? nil : m.min()!...m.max()!
        guard !usable.isEmpty else {
            observedAgreement = 0
            expectedAgreement = 0
            kappa = nil
            return
        }
        let k = usable.map(\.count).max() ?? 0
        var pooled = [Double](repeating: 0, count: k)
        var agreement = 0.0
        for (row, mi) in zip(usable, m) {
            let pairsAgreeing = row.reduce(0.0) { $0 + Double($1 * ($1 - 1)) }
            agreement += pairsAgreeing / Double(mi * (mi - 1))
            for (j, c) in row.enumerated() { pooled[j] += Double(c) }
        }
        let total = Double(m.reduce(0, +))
        observedAgreement = agreement / Double(usable.count)
        expectedAgreement = pooled.reduce(0) { $0 + ($1 / total) * ($1 / total) }
        kappa = expectedAgreement < 1 ? (observedAgreement - expectedAgreement) / (1 - expectedAgreement) : nil
    }

    /// Counts every rater's category per unit of `table`.
    public init(_ table: RatingTable) {
        self.init(counts: table.codes.map { row in
            var c = [Int](repeating: 0, count: table.categories.count)
            for code in row { if let code { c[code] += 1 } }
            return c
        })
    }
}
