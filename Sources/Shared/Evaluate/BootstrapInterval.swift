// A percentile bootstrap confidence interval for any metric (Efron & Tibshirani 1993, ch. 13):
// resample the evaluation set with replacement, recompute the metric, take the quantiles.
// Resampling can be by group (specimen, patient, scene) instead of by sample, because samples of
// one group are not independent and the held-out split is made by group: resampling single
// patches of a few specimens would give intervals that are far too narrow.
// Seeded with SplitMix64, so the same seed gives the same interval on every platform.

import Foundation

public struct BootstrapInterval: Equatable, Sendable {
    /// The metric on the full sample.
    public let estimate: Double
    public let lower: Double
    public let upper: Double
    /// Nominal coverage, e.g. 0.95.
    public let level: Double
    /// Resamples on which the metric was defined (these make the interval).
    public let resamples: Int
    /// Resamples on which it was not (nil or not finite), e.g. AUC on a draw with one class.
    public let undefinedResamples: Int

    /// Resamples single samples.
    /// - Parameters:
    ///   - count: samples in the evaluation set.
    ///   - metric: the metric over a list of sample indices (with repeats); nil where undefined.
    /// - Throws: `ReticleError(.usage)` for an empty set, fewer than one resample, a level outside
    ///   (0, 1), a metric undefined on the full sample or on every resample; and whatever `metric` throws.
    public init(count: Int, resamples: Int = 1000, level: Double = 0.95, seed: UInt64,
                metric: ([Int]) throws -> Double?) throws {
        try self.init(members: (0..<max(0, count)).map { [$0] }, resamples: resamples, level: level, seed: seed, metric: metric)
    }

    /// Resamples whole groups: each draw picks as many groups as there are, with replacement, and
    /// passes all samples of the picked groups to `metric`.
    /// - Parameter groups: the group of each sample (specimen, patient, ...).
    /// - Throws: as `init(count:resamples:level:seed:metric:)`.
    public init<Group: Hashable>(groups: [Group], resamples: Int = 1000, level: Double = 0.95, seed: UInt64,
                                 metric: ([Int]) throws -> Double?) throws {
        var order: [Group: Int] = [:]
        var members: [[Int]] = []
        for (i, g) in groups.enumerated() {
            if let k = order[g] { members[k].append(i) } else { order[g] = members.count; members.append([i]) }
        }
        try self.init(members: members, resamples: resamples, level: level, seed: seed, metric: metric)
    }

    private init(members: [[Int]], resamples: Int, level: Double, seed: UInt64, metric: ([Int]) throws -> Double?) throws {
        guard !members.isEmpty else { throw ReticleError(.usage, "bootstrap: no samples") }
        guard resamples >= 1 else { throw ReticleError(.usage, "bootstrap: needs at least one resample, got \(resamples)") }
        guard level > 0 && level < 1 else { throw ReticleError(.usage, "bootstrap: the level must lie between 0 and 1, got \(level)") }
        guard let estimate = try metric(members.flatMap { $0 }), estimate.isFinite else {
            throw ReticleError(.usage, "bootstrap: the metric is undefined on the full sample")
        }
        var rng = SplitMix64(seed: seed)
        let n = UInt64(members.count)
        var values: [Double] = []
        values.reserveCapacity(resamples)
        for _ in 0..<resamples {
            var indices: [Int] = []
            for _ in 0..<members.count {
                // The high word of n·r is uniform on 0..<n up to 2⁻⁶⁴ and fixed by the seed alone,
                // unlike the standard library's `random(in:using:)`, whose algorithm may change.
                indices += members[Int(n.multipliedFullWidth(by: rng.next()).high)]
            }
            if let v = try metric(indices), v.isFinite { values.append(v) }
        }
        guard !values.isEmpty else { throw ReticleError(.usage, "bootstrap: the metric is undefined on every resample") }
        values.sort()
        self.estimate = estimate
        self.level = level
        lower = Self.quantile(values, (1 - level) / 2)
        upper = Self.quantile(values, 1 - (1 - level) / 2)
        self.resamples = values.count
        undefinedResamples = resamples - values.count
    }

    /// Linear interpolation between order statistics (NumPy's default, Hyndman & Fan type 7).
    static func quantile(_ sorted: [Double], _ p: Double) -> Double {
        let h = Double(sorted.count - 1) * p
        let lo = Int(h.rounded(.down)), hi = min(lo + 1, sorted.count - 1)
        return sorted[lo] + (h - Double(lo)) * (sorted[hi] - sorted[lo])
    }
}
