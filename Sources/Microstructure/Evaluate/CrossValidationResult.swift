// What a cross-validation by specimen measured: every held-out image's probabilities per
// recipe and seed, and the figures derived from them (per image, per crop, per specimen,
// confusion, calibration), each as the mean over seeds with its range.

import Foundation
import Shared

public struct CrossValidationResult {
    /// One held-out image graded by one recipe trained without its specimen.
    public struct Outcome: Sendable {
        public var image: Int
        public var seed: UInt64
        public var fold: Int
        /// Aggregated type probabilities (the image's grade).
        public var probabilities: [Double]
        public var patchesRight: Int
        public var patchesTotal: Int
        public var call: Int { PatchClassifier.argmax(probabilities) }
    }

    public struct Recipe: Sendable {
        /// The architecture name ("compact-cnn", "texture", ...).
        public var name: String
        public var outcomes: [Outcome]
    }

    /// Figures of one recipe for one seed (or pooled).
    public struct Figures: Sendable {
        public var imageAccuracy: Double
        public var balancedAccuracy: Double
        public var cropAccuracy: Double
        public var specimenAccuracy: Double
        public var expectedCalibrationError: Double
    }

    public let dataset: GradingDataset
    public let folds: Int
    public let leaveOneOut: Bool
    public let seeds: [UInt64]
    public let recipes: [Recipe]

    public init(dataset: GradingDataset, folds: Int, leaveOneOut: Bool, seeds: [UInt64], recipes: [Recipe]) {
        self.dataset = dataset; self.folds = folds; self.leaveOneOut = leaveOneOut; self.seeds = seeds; self.recipes = recipes
    }

    /// The figures of `outcomes` (one seed's, normally). A specimen's call is the argmax of its images' mean probabilities,
    /// its truth the majority type of its images.
    public func figures(_ outcomes: [Outcome]) throws -> Figures {
        let truth = outcomes.map { dataset.micrographs[$0.image].type }
        let matrix = try ConfusionMatrix(classes: dataset.typeClasses, truth: truth, predicted: outcomes.map(\.call))
        let crops = Double(outcomes.reduce(0) { $0 + $1.patchesRight }) / Double(max(1, outcomes.reduce(0) { $0 + $1.patchesTotal }))
        var bySpecimen: [String: [Outcome]] = [:]
        for o in outcomes { bySpecimen[dataset.micrographs[o.image].specimen, default: []].append(o) }
        var specimensRight = 0
        for (_, group) in bySpecimen {
            let votes = group.reduce(into: [Int](repeating: 0, count: dataset.typeClasses.count)) { $0[dataset.micrographs[$1.image].type] += 1 }
            if PatchClassifier.argmax(PatchClassifier.mean(group.map(\.probabilities))) == GradingDataset.majority(votes) { specimensRight += 1 }
        }
        let reliability = try ReliabilityTable(probabilities: outcomes.map(\.probabilities), truth: truth, bins: 10)
        return Figures(imageAccuracy: matrix.accuracy, balancedAccuracy: matrix.balancedAccuracy ?? 0, cropAccuracy: crops,
                       specimenAccuracy: Double(specimensRight) / Double(max(1, bySpecimen.count)),
                       expectedCalibrationError: reliability.expectedCalibrationError)
    }

    /// Per seed, in `seeds` order.
    public func figuresPerSeed(_ recipe: Recipe) throws -> [Figures] {
        try seeds.map { seed in try figures(recipe.outcomes.filter { $0.seed == seed }) }
    }

    /// Confusion matrix pooled over seeds.
    public func confusion(_ recipe: Recipe) throws -> ConfusionMatrix {
        try ConfusionMatrix(classes: dataset.typeClasses, truth: recipe.outcomes.map { dataset.micrographs[$0.image].type },
                            predicted: recipe.outcomes.map(\.call))
    }

    /// Reliability (10 bins) pooled over seeds.
    public func reliability(_ recipe: Recipe) throws -> ReliabilityTable {
        try ReliabilityTable(probabilities: recipe.outcomes.map(\.probabilities),
                             truth: recipe.outcomes.map { dataset.micrographs[$0.image].type }, bins: 10)
    }

    static func round(_ v: Double) -> JSONValue { .number((v * 10000).rounded() / 10000) }

    /// evaluation.json: the design, then per recipe the figures per seed, their mean and range, the pooled
    /// confusion matrix and reliability table, and every outcome.
    public var json: JSONObject {
        get throws {
            var o: JSONObject = ["data": .string(dataset.source), "images": .int(dataset.micrographs.count),
                                 "specimens": .int(dataset.specimenCount), "classes": .array(dataset.typeClasses.map { .string($0) }),
                                 "split": .string(leaveOneOut ? "leave one specimen out" : "\(folds) folds by specimen"),
                                 "folds": .int(folds), "seeds": .array(seeds.map { .string(String($0)) })]
            var list: [JSONValue] = []
            for recipe in recipes {
                let perSeed = try figuresPerSeed(recipe)
                func summary(_ key: KeyPath<Figures, Double>) -> JSONValue {
                    let v = perSeed.map { $0[keyPath: key] }
                    return ["mean": Self.round(v.reduce(0, +) / Double(v.count)), "min": Self.round(v.min() ?? 0),
                            "max": Self.round(v.max() ?? 0), "per_seed": .array(v.map(Self.round))]
                }
                let reliability = try self.reliability(recipe)
                var r: JSONObject = ["recipe": .string(recipe.name),
                                     "image_accuracy": summary(\.imageAccuracy), "balanced_accuracy": summary(\.balancedAccuracy),
                                     "crop_accuracy": summary(\.cropAccuracy), "specimen_accuracy": summary(\.specimenAccuracy),
                                     "ece": summary(\.expectedCalibrationError)]
                r["confusion"] = .object(try confusion(recipe).json)
                r["reliability"] = .array(reliability.bins.filter { $0.count > 0 }.map { b in
                    ["lower": .number(b.lower), "upper": .number(b.upper), "count": .int(b.count),
                     "confidence": Self.round(b.meanConfidence ?? 0), "accuracy": Self.round(b.accuracy ?? 0)]
                })
                r["outcomes"] = .array(recipe.outcomes.map { x in
                    let m = dataset.micrographs[x.image]
                    return ["image": .string(m.name), "specimen": .string(m.specimen), "truth": .string(dataset.typeClasses[m.type]),
                            "seed": .string(String(x.seed)), "fold": .int(x.fold + 1), "call": .string(dataset.typeClasses[x.call]),
                            "confidence": Self.round(x.probabilities[x.call]), "crops_right": .int(x.patchesRight), "crops": .int(x.patchesTotal)]
                })
                list.append(.object(r))
            }
            o["recipes"] = .array(list)
            return o
        }
    }

    /// The terminal summary: one line per recipe.
    public var summary: String {
        get throws {
            var out = "\(dataset.micrographs.count) images of \(dataset.specimenCount) specimens, "
                + (leaveOneOut ? "leave one specimen out" : "\(folds) folds by specimen") + ", seeds \(seeds.map(String.init).joined(separator: ","))\n"
            out += "recipe            image    balanced  crop     specimen  ECE    (mean over seeds, min–max)\n"
            for recipe in recipes {
                let f = try figuresPerSeed(recipe)
                func cell(_ k: KeyPath<Figures, Double>) -> String {
                    let v = f.map { $0[keyPath: k] }
                    return String(format: "%5.1f%%", 100 * v.reduce(0, +) / Double(v.count))
                }
                out += recipe.name.padding(toLength: 16, withPad: " ", startingAt: 0) + "  " + [cell(\.imageAccuracy), cell(\.balancedAccuracy),
                    cell(\.cropAccuracy), cell(\.specimenAccuracy)].joined(separator: "   ")
                    + String(format: "   %.3f", f.map(\.expectedCalibrationError).reduce(0, +) / Double(f.count)) + "\n"
            }
            return out
        }
    }
}
