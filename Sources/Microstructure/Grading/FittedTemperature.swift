// Honest type confidence: one temperature T, fitted on held-out specimens by minimising the
// negative log-likelihood of their image calls (Shared's `TemperatureScaling` on the image
// log-probabilities, so p ∝ p_image^(1/T)), stored in the model with where it was fitted. It
// moves no call, only how sure the model says it is; a model that was right on its held-out
// specimens with room to spare is not made more sure than T = 0.5.

import Foundation
import Shared

public struct FittedTemperature: Equatable, Sendable {
    public var temperature: Double
    /// Which held-out images it was fitted on ("validation", "test") and how many.
    public var fittedOn: String
    public var images: Int
    /// Mean negative log-likelihood of those images before and after.
    public var nllBefore: Double
    public var nllAfter: Double

    public static let range: ClosedRange<Double> = 0.5...20

    public init(temperature: Double, fittedOn: String, images: Int, nllBefore: Double, nllAfter: Double) {
        self.temperature = temperature; self.fittedOn = fittedOn; self.images = images
        self.nllBefore = nllBefore; self.nllAfter = nllAfter
    }

    /// Fits T on image probabilities and their true classes, within `range` (1 without images).
    public init(probabilities: [[Double]], truth: [Int], fittedOn: String) {
        let logs = probabilities.map { $0.map { Foundation.log(max($0, 1e-12)) } }
        let fitted = (try? TemperatureScaling.fit(logits: logs, truth: truth)) ?? 1
        let t = min(max(fitted, Self.range.lowerBound), Self.range.upperBound)
        func nll(_ t: Double) -> Double { logs.isEmpty ? 0 : TemperatureScaling.negativeLogLikelihood(logs, truth: truth, temperature: t) }
        self.init(temperature: probabilities.isEmpty ? 1 : t, fittedOn: fittedOn, images: probabilities.count,
                  nllBefore: nll(1), nllAfter: nll(probabilities.isEmpty ? 1 : t))
    }

    /// p^(1/T), renormalised.
    public static func apply(_ p: [Double], temperature t: Double) -> [Double] {
        guard t != 1, !p.isEmpty else { return p }
        return TemperatureScaling.probabilities(p.map { Foundation.log(max($0, 1e-12)) }, temperature: t)
    }

    public func apply(_ p: [Double]) -> [Double] { Self.apply(p, temperature: temperature) }

    public var json: JSONObject {
        ["type": .number((temperature * 1000).rounded() / 1000), "fitted_on": .string(fittedOn), "images": .int(images),
         "nll_before": .number((nllBefore * 10000).rounded() / 10000), "nll_after": .number((nllAfter * 10000).rounded() / 10000)]
    }

    /// From a model's provenance; nil for a model trained before temperatures were stored.
    public init?(json: JSONValue?) {
        guard let t = json?["type"]?.doubleValue, t.isFinite, t > 0 else { return nil }
        self.init(temperature: t, fittedOn: json?["fitted_on"]?.stringValue ?? "", images: json?["images"]?.intValue ?? 0,
                  nllBefore: json?["nll_before"]?.doubleValue ?? 0, nllAfter: json?["nll_after"]?.doubleValue ?? 0)
    }
}
