// Statistics over fields, ASTM E112 §15: average the measured quantity (N_A or ℓ̄), never G;
// 95 % CI = t(0.975, n−1)·s/√n; %RA = 100·CI/mean.

import Foundation

public struct FieldStatistics: Equatable, Sendable {
    public let values: [Double]
    public let mean: Double
    /// Sample standard deviation (n − 1); 0 for a single field.
    public let standardDeviation: Double
    /// Half-width of the 95 % confidence interval; nil for fewer than 2 fields.
    public let confidence95: Double?
    /// Relative accuracy in %; nil for fewer than 2 fields.
    public let relativeAccuracyPercent: Double?

    public init(_ values: [Double]) {
        precondition(!values.isEmpty, "field statistics need at least one field")
        self.values = values
        let n = Double(values.count)
        let mean = values.reduce(0, +) / n
        self.mean = mean
        if values.count > 1 {
            let ss = values.reduce(0) { $0 + ($1 - mean) * ($1 - mean) }
            standardDeviation = (ss / (n - 1)).squareRoot()
            let ci = Self.studentT975(degreesOfFreedom: values.count - 1) * standardDeviation / n.squareRoot()
            confidence95 = ci
            relativeAccuracyPercent = mean != 0 ? 100 * ci / mean : nil
        } else {
            standardDeviation = 0
            confidence95 = nil
            relativeAccuracyPercent = nil
        }
    }

    /// Two-sided 95 % Student t (E112 Table 7 extended); the normal 1.960 beyond 120 d.f.
    public static func studentT975(degreesOfFreedom df: Int) -> Double {
        precondition(df >= 1)
        let table: [Double] = [12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306, 2.262, 2.228,
                               2.201, 2.179, 2.160, 2.145, 2.131, 2.120, 2.110, 2.101, 2.093, 2.086,
                               2.080, 2.074, 2.069, 2.064, 2.060, 2.056, 2.052, 2.048, 2.045, 2.042]
        if df <= table.count { return table[df - 1] }
        // Interpolate in 1/df between the standard anchors 30, 40, 60, 120 and ∞.
        let anchors: [(Double, Double)] = [(30, 2.042), (40, 2.021), (60, 2.000), (120, 1.980), (.infinity, 1.960)]
        let x = 1 / Double(df)
        for i in 0..<(anchors.count - 1) {
            let (d0, t0) = anchors[i], (d1, t1) = anchors[i + 1]
            if Double(df) <= d1 {
                let x0 = 1 / d0, x1 = d1.isInfinite ? 0 : 1 / d1
                return t0 + (t1 - t0) * (x - x0) / (x1 - x0)
            }
        }
        return 1.960
    }
}
