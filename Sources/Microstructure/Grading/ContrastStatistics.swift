// Grey-level statistics of a micrograph at model scale, and the range a model saw in
// training: an image outside it (over-etched, washed out, wrong illumination) is flagged
// for review rather than graded with false confidence.

import Foundation
import Shared

/// Mean and standard deviation of the grey level (0...1) over the analysed area.
public struct ContrastStatistics: Codable, Equatable, Sendable {
    public var mean: Double
    public var standardDeviation: Double

    public init(mean: Double, standardDeviation: Double) {
        self.mean = mean; self.standardDeviation = standardDeviation
    }

    /// Statistics of a one-channel Float32 image, leaving out `excluding`.
    public init(_ image: Image, excluding: [PixelRect] = []) {
        let p = image.floatPixels()
        var sum = 0.0, sq = 0.0, n = 0.0
        for y in 0..<image.height { for x in 0..<image.width {
            if excluding.contains(where: { $0.contains(x: x, y: y) }) { continue }
            let v = Double(p[(y * image.width + x) * image.channels])
            sum += v; sq += v * v; n += 1
        } }
        let m = n > 0 ? sum / n : 0
        mean = m
        standardDeviation = n > 0 ? max(0, sq / n - m * m).squareRoot() : 0
    }

    public var json: JSONObject {
        ["mean": .number((mean * 10000).rounded() / 10000), "std": .number((standardDeviation * 10000).rounded() / 10000)]
    }
}

/// The span of grey-level statistics over the training images (stored in the model's provenance).
public struct ContrastRange: Codable, Equatable, Sendable {
    public var mean: ClosedRange<Double>
    public var standardDeviation: ClosedRange<Double>

    public init(mean: ClosedRange<Double>, standardDeviation: ClosedRange<Double>) {
        self.mean = mean; self.standardDeviation = standardDeviation
    }

    /// The smallest range holding every sample (nil for none).
    public init?(_ samples: [ContrastStatistics]) {
        guard let first = samples.first else { return nil }
        var m = first.mean...first.mean, s = first.standardDeviation...first.standardDeviation
        for c in samples {
            m = min(m.lowerBound, c.mean)...max(m.upperBound, c.mean)
            s = min(s.lowerBound, c.standardDeviation)...max(s.upperBound, c.standardDeviation)
        }
        self.init(mean: m, standardDeviation: s)
    }

    /// Why `c` lies outside the range widened by `margin` of each span (at least 0.02 grey levels), or nil.
    public func violation(_ c: ContrastStatistics, margin: Double = 0.25) -> String? {
        func widened(_ r: ClosedRange<Double>) -> ClosedRange<Double> {
            let pad = max(0.02, margin * (r.upperBound - r.lowerBound))
            return (r.lowerBound - pad)...(r.upperBound + pad)
        }
        if !widened(mean).contains(c.mean) {
            return String(format: "mean grey %.3f outside the training range %.3f–%.3f", c.mean, mean.lowerBound, mean.upperBound)
        }
        if !widened(standardDeviation).contains(c.standardDeviation) {
            return String(format: "contrast (grey std) %.3f outside the training range %.3f–%.3f", c.standardDeviation,
                          standardDeviation.lowerBound, standardDeviation.upperBound)
        }
        return nil
    }

    public var json: JSONValue {
        ["mean": [.number(mean.lowerBound), .number(mean.upperBound)],
         "std": [.number(standardDeviation.lowerBound), .number(standardDeviation.upperBound)]]
    }

    public init?(json: JSONValue?) {
        guard let m = json?["mean"]?.arrayValue?.compactMap(\.doubleValue), let s = json?["std"]?.arrayValue?.compactMap(\.doubleValue),
              m.count == 2, s.count == 2, m[0] <= m[1], s[0] <= s[1] else { return nil }
        self.init(mean: m[0]...m[1], standardDeviation: s[0]...s[1])
    }
}
