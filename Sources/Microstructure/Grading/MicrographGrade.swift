// The grade of one micrograph: type and needle class with probabilities, confidence,
// review reasons, and the numbers behind them; `json` is what items/<id>.json holds.

import Foundation
import Shared

public struct MicrographGrade: Sendable {
    public var typeClasses: [String]
    public var typeProbabilities: [Double]
    public var needleClasses: [String] = []
    public var needleProbabilities: [Double] = []
    /// Patches the probabilities average over.
    public var patches: Int
    /// Image µm/px ÷ model µm/px.
    public var scaleFactor: Double
    public var contrast: ContrastStatistics
    /// The chosen type's probability before temperature scaling, and the temperature (nil: the model has none).
    public var uncalibratedConfidence: Double?
    public var temperature: Double?
    /// Share of the image's crops (grid patches) whose own call is the image's type.
    public var cropAgreement = 1.0
    /// The image's feature distance as a multiple of the training 95th percentile (nil: the model stores no distribution).
    public var featureDistance: Double?
    /// Empty: the grade can be trusted as is.
    public var reviewReasons: [String] = []
    /// Grad-CAM of the predicted type over `analysedImage` (only when asked for).
    public var explanation: SaliencyMap?
    /// The grey image at model scale that was analysed (only with an explanation).
    public var analysedImage: Image?

    public init(typeClasses: [String], typeProbabilities: [Double], patches: Int, scaleFactor: Double, contrast: ContrastStatistics) {
        self.typeClasses = typeClasses; self.typeProbabilities = typeProbabilities
        self.patches = patches; self.scaleFactor = scaleFactor; self.contrast = contrast
    }

    public var type: String { typeClasses[PatchClassifier.argmax(typeProbabilities)] }
    /// Probability of the chosen type.
    public var confidence: Double { typeProbabilities.max() ?? 0 }
    /// The median of the ordinal distribution (see `PatchClassifier.median`).
    public var needleClass: String? { needleProbabilities.isEmpty ? nil : needleClasses[PatchClassifier.median(needleProbabilities)] }
    public var needleConfidence: Double? { needleProbabilities.isEmpty ? nil : needleProbabilities[PatchClassifier.median(needleProbabilities)] }
    public var needsReview: Bool { !reviewReasons.isEmpty }

    static func rounded(_ v: Double) -> JSONValue { .number((v * 10000).rounded() / 10000) }

    static func probabilities(_ names: [String], _ p: [Double]) -> JSONValue {
        var o = JSONObject()
        for (n, v) in zip(names, p) { o[n] = rounded(v) }
        return .object(o)
    }

    public var json: JSONObject {
        var o = JSONObject()
        o["type"] = .string(type)
        o["confidence"] = Self.rounded(confidence)
        o["type_probabilities"] = Self.probabilities(typeClasses, typeProbabilities)
        if let n = needleClass {
            o["needle_class"] = .string(n)
            o["needle_confidence"] = Self.rounded(needleConfidence ?? 0)
            o["needle_probabilities"] = Self.probabilities(needleClasses, needleProbabilities)
            o["needle_scale"] = .string(GradingLabels.houseScale)
        }
        o["needs_review"] = .bool(needsReview)
        o["review_reasons"] = .array(reviewReasons.map { .string($0) })
        o["uncalibrated_confidence"] = uncalibratedConfidence.map(Self.rounded) ?? .null
        o["temperature"] = temperature.map(Self.rounded) ?? .null
        o["crop_agreement"] = Self.rounded(cropAgreement)
        o["feature_distance"] = featureDistance.map(Self.rounded) ?? .null
        o["patches"] = .int(patches)
        o["scale_factor"] = Self.rounded(scaleFactor)
        o["contrast"] = .object(contrast.json)
        return o
    }
}
