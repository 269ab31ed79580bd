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
        let plain = CohenKappa(a, b, categories: categories)
        count = plain.count
        agreement = plain.agreement
        kappa = plain.kappa
        if scale == .ordinal {
            linearKappa = CohenKappa(a, b, categories: categories, weighting: .linear).kappa
            quadraticKappa = CohenKappa(a, b, categories: categories, weighting: .quadratic).kappa
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
