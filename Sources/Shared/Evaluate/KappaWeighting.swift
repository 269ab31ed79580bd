// How much a disagreement between two categories counts in a weighted kappa: nominal labels
// count every disagreement fully; ordinal labels count near misses less.

import Foundation

public enum KappaWeighting: String, Codable, Sendable, CaseIterable {
    /// Every disagreement weighs 1 (Cohen 1960).
    case unweighted
    /// |i − j| (Cohen 1968 with linear weights).
    case linear
    /// (i − j)² (Fleiss & Cohen 1973; equals the intraclass correlation for large samples).
    case quadratic

    /// Disagreement weight of categories `i` and `j` (indices in order). The scale of the
    /// weights cancels in κ, so they are not normalised.
    public func weight(_ i: Int, _ j: Int) -> Double {
        switch self {
        case .unweighted: return i == j ? 0 : 1
        case .linear: return Double(abs(i - j))
        case .quadratic: return Double((i - j) * (i - j))
        }
    }
}
