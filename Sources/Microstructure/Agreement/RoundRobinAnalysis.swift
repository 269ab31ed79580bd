// A round-robin test on one label: how well the human raters agree with each other (Cohen's κ
// for every pair, Fleiss' κ, Krippendorff's α) and how well the model agrees with each of them
// and with their majority, so a lab can show the model is at least as consistent as its people.

import Foundation
import Shared

public struct RoundRobinAnalysis: Equatable, Sendable {
    public let label: String
    public let scale: LabelScale
    public let categories: [String]
    /// Human raters, in table order.
    public let raters: [String]
    /// The rater that is the model, when there is one.
    public let model: String?
    /// Images with at least one human rating.
    public let images: Int
    /// Every pair of human raters (first before second in table order).
    public let pairs: [PairAgreement]
    /// Fleiss' κ over the human raters (nominal, whatever the scale: Fleiss' κ has no weights).
    public let fleiss: FleissKappa
    /// Krippendorff's α over the human raters: nominal or ordinal metric by the scale.
    public let alpha: KrippendorffAlpha
    /// The model against each human rater.
    public let modelVsRaters: [PairAgreement]
    /// The model against the human majority (images where one category has more votes than any other).
    public let modelVsMajority: PairAgreement?
    /// Images whose human ratings tie, so they have no majority.
    public let imagesWithoutMajority: Int

    /// - Parameters:
    ///   - table: every rater's ratings of this label, the model (if any) among them.
    ///   - model: the rater name that holds the model's calls; nil when there is none.
    public init(label: String, table: RatingTable, scale: LabelScale, model: String? = nil) {
        precondition(model == nil || table.raters.contains(model!), "model '\(model!)' is not a rater of the table")
        self.label = label
        self.scale = scale
        self.model = model
        categories = table.categories
        let humans = model.map { table.removing(raters: [$0]) } ?? table
        raters = humans.raters
        images = humans.codes.filter { $0.contains { $0 != nil } }.count
        let k = table.categories.count
        var pairs: [PairAgreement] = []
        for i in humans.raters.indices {
            for j in humans.raters.indices where j > i {
                pairs.append(PairAgreement(first: humans.raters[i], second: humans.raters[j],
                                           humans.column(i), humans.column(j), categories: k, scale: scale))
            }
        }
        self.pairs = pairs
        fleiss = FleissKappa(humans)
        alpha = KrippendorffAlpha(humans, metric: scale == .ordinal ? .ordinal : .nominal)

        let majority = humans.codes.map(Self.majority)
        imagesWithoutMajority = zip(humans.codes, majority).filter { row, m in row.contains { $0 != nil } && m == nil }.count
        if let model, let m = table.raters.firstIndex(of: model) {
            let calls = table.column(m)
            modelVsRaters = humans.raters.indices.map {
                PairAgreement(first: model, second: humans.raters[$0], calls, humans.column($0), categories: k, scale: scale)
            }
            modelVsMajority = PairAgreement(first: model, second: "majority", calls, majority, categories: k, scale: scale)
        } else {
            modelVsRaters = []
            modelVsMajority = nil
        }
    }

    /// The category with more votes than any other, nil on a tie or no votes.
    static func majority(_ row: [Int?]) -> Int? {
        var votes: [Int: Int] = [:]
        for code in row { if let code { votes[code, default: 0] += 1 } }
        let ranked = votes.sorted { $0.value > $1.value }
        guard let top = ranked.first else { return nil }
        if ranked.count > 1 && ranked[1].value == top.value { return nil }
        return top.key
    }

    /// Mean over rater pairs of the scale's headline κ (quadratic for ordinal, else unweighted).
    public var meanRaterKappa: Double? { Self.mean(pairs.compactMap(\.headlineKappa)) }
    /// Mean over raters of the model's headline κ with each.
    public var meanModelKappa: Double? { Self.mean(modelVsRaters.compactMap(\.headlineKappa)) }

    static func mean(_ values: [Double]) -> Double? {
        values.isEmpty ? nil : values.reduce(0, +) / Double(values.count)
    }

    /// Rounded for reports; nil and non-finite values become null.
    static func number(_ v: Double?) -> JSONValue {
        guard let v, v.isFinite else { return .null }
        return .number((v * 10000).rounded() / 10000)
    }

    public var json: JSONObject {
        var o = JSONObject()
        o["label"] = .string(label)
        o["scale"] = .string(scale.rawValue)
        o["categories"] = .array(categories.map(JSONValue.string))
        o["images"] = .int(images)
        o["raters"] = .array(raters.map(JSONValue.string))
        o["pairwise"] = .array(pairs.map { .object($0.json) })
        o["mean_rater_kappa"] = Self.number(meanRaterKappa)
        o["fleiss_kappa"] = [
            "kappa": Self.number(fleiss.kappa), "images": .int(fleiss.units),
            "observed_agreement": Self.number(fleiss.observedAgreement),
            "expected_agreement": Self.number(fleiss.expectedAgreement),
            "ratings_per_image": fleiss.ratingsPerUnit.map { .array([.int($0.lowerBound), .int($0.upperBound)]) } ?? .null,
        ]
        o["krippendorff_alpha"] = [
            "alpha": Self.number(alpha.alpha), "metric": .string(alpha.metric.rawValue),
            "images": .int(alpha.units), "pairable_values": .int(alpha.pairableValues),
        ]
        if let model {
            o["model"] = [
                "name": .string(model),
                "vs_raters": .array(modelVsRaters.map { .object($0.json) }),
                "vs_majority": modelVsMajority.map { .object($0.json) } ?? .null,
                "images_without_majority": .int(imagesWithoutMajority),
                "mean_model_kappa": Self.number(meanModelKappa),
            ]
        } else {
            o["model"] = .null
        }
        return o
    }
}
