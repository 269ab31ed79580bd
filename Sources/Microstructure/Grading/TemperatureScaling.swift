// Honest type confidence: one temperature T, fitted on held-out specimens by minimising the
// negative log-likelihood of their image calls, divides the image's log-probabilities
// (p ∝ p_image^(1/T)). It moves no call, only how sure the model says it is; a model that
// was right on its held-out specimens with room to spare is not made more sure than T = 0.5.

import Foundation
import Shared

public struct TemperatureScaling: Equatable, Sendable {
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

    /// Fits T on image probabilities and their true classes: a log-spaced search over `range` (1 without images).
    public init(probabilities: [[Double]], truth: [Int], fittedOn: String) {
        func nll(_ t: Double) -> Double {
            guard !probabilities.isEmpty else { return 0 }
            var sum = 0.0
            for (p, y) in zip(probabilities, truth) { sum -= Foundation.log(max(Self.apply(p, temperature: t)[y], 1e-12)) }
            return sum / Double(probabilities.count)
        }
        var best = (t: 1.0, loss: nll(1))
        if !probabilities.isEmpty {
            let lo = Foundation.log(Self.range.lowerBound), hi = Foundation.log(Self.range.upperBound)
            for k in 0...80 {
                let t = Foundation.exp(lo + (hi - lo) * Double(k) / 80)
                let l = nll(t)
                if l < best.loss - 1e-12 { best = (t, l) }
            }
        }
        self.init(temperature: best.t, fittedOn: fittedOn, images: probabilities.count, nllBefore: nll(1), nllAfter: best.loss)
    }

    /// p^(1/T), renormalised.
    public static func apply(_ p: [Double], temperature t: Double) -> [Double] {
        guard t != 1, !p.isEmpty else { return p }
        let logs = p.map { Foundation.log(max($0, 1e-12)) / t }
        let top = logs.max() ?? 0
        let e = logs.map { Foundation.exp($0 - top) }
        let s = e.reduce(0, +)
        return e.map { $0 / s }
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
