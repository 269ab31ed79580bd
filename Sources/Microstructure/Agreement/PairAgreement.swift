// Agreement of two raters (or the model and a rater, or the model and the majority) on one
// label: how many images both rated, how often they gave the same category, and kappa
// (unweighted; also linear and quadratic weighted for ordinal labels).

import Foundation
import Shared

public struct PairAgreement: Equatable, Sendable {
    public let first: String
    public let second: String
    /// Images both rated.
    public let count: Int
    /// Fraction (0...1) of those images given the same category.
    public let agreement: Double
    /// Cohen's κ, unweighted.
    public let kappa: Double?
    /// Weighted κ, for ordinal labels only (nil for nominal).
    public let linearKappa: Double?
    public let quadraticKappa: Double?

    public init(first: String, second: String, _ a: [Int?], _ b: [Int?], categories: Int, scale: LabelScale) {
        self.first = first
        self.second = second
        // Both code lists are columns of one rating table (or its majority column), so they match
        // in length and hold valid codes: CohenKappa cannot throw here, and if it ever did the
        // pair would read as "nothing rated in common" rather than stop the report.
        func cohen(_ weighting: KappaWeighting) -> CohenKappa? {
            try? CohenKappa(a, b, categories: categories, weighting: weighting)
        }
        let plain = cohen(.unweighted)
        count = plain?.count ?? 0
        agreement = plain?.agreement ?? 0
        kappa = plain?.kappa
        if scale == .ordinal {
            linearKappa = cohen(.linear)?.kappa
            quadraticKappa = cohen(.quadratic)?.kappa
        } else {
            linearKappa = nil
            quadraticKappa = nil
        }
    }

    /// The kappa that suits the scale: quadratic-weighted for ordinal labels, else unweighted.
    public var headlineKappa: Double? { quadraticKappa ?? kappa }

    public var json: JSONObject {
        var o: JSONObject = ["first": .string(first), "second": .string(second), "images": .int(count),
                             "percent_agreement": RoundRobinAnalysis.number(count > 0 ? 100 * agreement : nil),
                             "kappa": RoundRobinAnalysis.number(kappa)]
        if linearKappa != nil || quadraticKappa != nil {
            o["kappa_linear"] = RoundRobinAnalysis.number(linearKappa)
            o["kappa_quadratic"] = RoundRobinAnalysis.number(quadraticKappa)
        }
        return o
    }
}
