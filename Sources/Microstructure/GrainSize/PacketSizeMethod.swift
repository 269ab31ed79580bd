// Packet size of lath martensite (sheaf size of upper bainite) by the intercept method: a
// packet is a region whose laths share one trace direction, so its boundaries are where the
// lath direction changes. Along the same test lines as the E112 intercept method, the local
// lath direction (structure tensor over a window of half-width a fifth of the packet
// intercept, found by iterating from 4 px) is followed as domains: a domain keeps its mean
// direction until `persistence` consecutive points differ from it by more than `threshold`,
// and each new domain is one boundary crossing. Comparing two points a fixed distance apart
// (the first version) counted noise inside large packets and merged small ones: 0.90–1.41 of
// truth over 9–37 px packets; domains give 0.91–1.06 (README, `LathGrainSizeTests`).
//
// Blocks inside a packet differ by up to about 25° (the packet's block variants), so
// `threshold` sits above that and boundaries between packets whose directions differ by less
// are missed. With packet directions random (independent, uniform over 180°), misorientations
// across a boundary are uniform over 0…90°, a share threshold/90° of them is missed, and P is
// divided by 1 − threshold/90° to correct for it. Kurdjumov–Sachs variant selection in real
// steel makes this an approximation: the result is labelled as packet size by lath direction,
// never as a grain size.

import Foundation
import Shared

public struct PacketSizeMethod: Sendable {
    /// Smallest change of lath direction counted as a packet boundary, degrees.
    public var thresholdDegrees: Double
    /// Minimum coherence on both sides: below it the texture has no direction to compare.
    public var minCoherence: Float

    public init(thresholdDegrees: Double = 35, minCoherence: Float = 0.2) {
        self.thresholdDegrees = thresholdDegrees
        self.minCoherence = minCoherence
    }

    public struct Result: Sendable {
        /// Mean packet intercept ℓ̄ per field, µm (corrected for missed low-angle boundaries).
        public var perField: [Double]
        public var statistics: FieldStatistics
        /// Boundary crossings counted (before the correction), all fields.
        public var crossings: Int
        public var tensorRadiusPx: Int
        public var thresholdDegrees: Double
        public var standard: GrainSizeStandard
        /// Where the figure is outside the range the method was validated on (too few pixels per
        /// packet, too few packets per field).
        public var warnings: [String] = []

        public var meanInterceptUM: Double { statistics.mean }

        public var json: JSONObject {
            var o: JSONObject = [
                "quantity": "packet size: mean lineal intercept between lath-direction domains ℓ̄ (µm); not a prior-austenite grain size",
                "per_field": .array(perField.map { .number(GrainSizeMeasurement.round($0, 4)) }),
                "mean_intercept_um": .number(GrainSizeMeasurement.round(statistics.mean, 4)),
                "std_dev": .number(GrainSizeMeasurement.round(statistics.standardDeviation, 4)),
                "crossings": .int(crossings),
                "tensor_radius_px": .int(tensorRadiusPx),
                "threshold_deg": .number(thresholdDegrees),
                "correction": .string(String(format: "P ÷ %.3f for boundaries under %g° (random packet directions assumed)",
                                             1 - thresholdDegrees / 90, thresholdDegrees)),
                // The G that a packet intercept would give, for comparison with specifications that
                // quote one; named so it cannot be taken for a grain size.
                "packet_G_equivalent": .number((standard.grainSizeNumber(meanInterceptMM: statistics.mean * 1e-3) * 100).rounded() / 100),
            ]
            o["warnings"] = .array(warnings.map { .string($0) })
            o["ci95"] = statistics.confidence95.map { .number(GrainSizeMeasurement.round($0, 4)) } ?? .null
            o["relative_accuracy_pct"] = statistics.relativeAccuracyPercent.map { .number(($0 * 10).rounded() / 10) } ?? .null
            return o
        }
    }

    /// Window half-width as a fraction of the packet intercept: small enough to resolve
    /// packets, large enough to average over laths and blocks. Found by iteration, since the
    /// lath spacing itself is blurred away by the optics at the fine end.
    public static let interceptPerRadius = 5.0
    public static let radiusRange = 2...24
    /// Consecutive points of a new direction that make a domain change (shorter runs are noise).
    public static let persistence = 3
    /// The range where generated fields measure within 10 % of truth: a measured ℓ̄ of at least
    /// `minimumInterceptPx` (finer packets merge and measure 7–8 px whatever their size), and at least `minimumInterceptsPerField` of them across a field's
    /// shorter side. Outside it the figure is given with a warning.
    public static let minimumInterceptPx = 8.5
    public static let minimumInterceptsPerField = 10.0

    /// Measures `gray` (row-major `width × height`) split into `columns × rows` fields.
    /// - Throws: `ReticleError(.usage)` when no field has a lath direction to follow.
    public func measure(gray: [Float], width: Int, height: Int, umPerPixel: Double,
                        columns: Int, rows: Int, standard: GrainSizeStandard) throws -> Result {
        var radius = 4
        var tried: [Int] = []
        var result = try measure(gray: gray, width: width, height: height, umPerPixel: umPerPixel, radius: radius,
                                 columns: columns, rows: rows, standard: standard)
        // Self-consistent window: radius = ℓ̄ / interceptPerRadius (in px), a few steps from 4 px.
        for _ in 0..<6 {
            tried.append(radius)
            let next = min(Self.radiusRange.upperBound, max(Self.radiusRange.lowerBound,
                       Int((result.meanInterceptUM / umPerPixel / Self.interceptPerRadius).rounded())))
            if tried.contains(next) { break }
            radius = next
            result = try measure(gray: gray, width: width, height: height, umPerPixel: umPerPixel, radius: radius,
                                 columns: columns, rows: rows, standard: standard)
        }
        return result
    }

    /// One pass at a fixed tensor window half-width `radius`.
    public func measure(gray: [Float], width: Int, height: Int, umPerPixel: Double, radius: Int,
                        columns: Int, rows: Int, standard: GrainSizeStandard) throws -> Result {
        let reach = radius + 1
        let threshold = thresholdDegrees * Double.pi / 180
        let fw = width / columns, fh = height / rows
        var perField: [Double] = []
        var crossings = 0
        for r in 0..<rows {
            for c in 0..<columns {
                // One field's tensor at a time: 7 planes of a field, not of the whole image.
                var crop: [Float] = []
                crop.reserveCapacity(fw * fh)
                for y in (r * fh)..<(r * fh + fh) { crop += gray[(y * width + c * fw)..<(y * width + c * fw + fw)] }
                let tensor = StructureTensor(gray: crop, width: fw, height: fh, radius: radius)
                var p = 0, lengthPx = 0.0
                for line in InterceptMethod.straightLines(width: fw, height: fh, inset: Double(reach + 1)) {
                    guard case .segment(let x0, let y0, let x1, let y1) = line else { continue }
                    let n = Int(line.lengthPx.rounded(.down))
                    guard n > 2 * reach + 2 else { continue }
                    var angles: [Double] = [], coherent: [Bool] = []
                    for k in 0...n {
                        let t = Double(k) / Double(n)
                        let x = min(fw - 1, max(0, Int(x0 + t * (x1 - x0))))
                        let y = min(fh - 1, max(0, Int(y0 + t * (y1 - y0))))
                        let i = y * fw + x
                        angles.append(tensor.orientation(at: i))
                        coherent.append(tensor.coherence(at: i) >= minCoherence)
                    }
                    p += Self.domainChanges(angles: angles, coherent: coherent, from: reach, to: n - reach,
                                            threshold: threshold, persistence: Self.persistence)
                    lengthPx += Double(n - 2 * reach)  // the ends, within a window of the line's start and end, are not followed
                }
                crossings += p
                guard p > 0 else { continue }
                let corrected = Double(p) / (1 - thresholdDegrees / 90)
                perField.append(lengthPx * umPerPixel / corrected)
            }
        }
        guard !perField.isEmpty else {
            throw ReticleError(.usage, "no packet boundaries found: no change of lath direction along any test line")
        }
        var result = Result(perField: perField, statistics: FieldStatistics(perField), crossings: crossings,
                            tensorRadiusPx: radius, thresholdDegrees: thresholdDegrees, standard: standard)
        let px = result.meanInterceptUM / umPerPixel, side = Double(min(fw, fh))
        if px < Self.minimumInterceptPx {
            result.warnings.append(String(format: "a mean intercept of %.1f px is below the %.1f px this method resolves: finer packets merge, so the figure is too high (image at higher magnification)",
                                          px, Self.minimumInterceptPx))
        }
        if side / px < Self.minimumInterceptsPerField {
            result.warnings.append(String(format: "%.1f packet intercepts across a %d px field, fewer than %.0f: the figure is uncertain (fewer, larger fields or lower magnification)",
                                          side / px, Int(side), Self.minimumInterceptsPerField))
        }
        return result
    }

    /// Lath-direction domains along one test line: a run keeps its mean direction (doubled-angle
    /// vector mean) until `persistence` consecutive coherent points all differ from it by more than
    /// `threshold`; then a new run starts there, and that is one boundary crossing. Short
    /// excursions (tensor noise, a narrow block variant) never last long enough to count.
    static func domainChanges(angles: [Double], coherent: [Bool], from: Int, to: Int, threshold: Double, persistence: Int) -> Int {
        guard to > from else { return 0 }
        var mx = 0.0, my = 0.0, count = 0
        var changes = 0
        var pending: [Int] = []
        func differs(_ k: Int) -> Bool {
            let m = 0.5 * atan2(my, mx)
            var d = abs(angles[k] - (m < 0 ? m + Double.pi : m))
            if d > Double.pi / 2 { d = Double.pi - d }
            return d > threshold
        }
        for k in from...to where coherent[k] {
            if count == 0 { mx = cos(2 * angles[k]); my = sin(2 * angles[k]); count = 1; continue }
            if differs(k) {
                pending.append(k)
                if pending.count >= persistence {
                    changes += 1
                    mx = 0; my = 0
                    for j in pending { mx += cos(2 * angles[j]); my += sin(2 * angles[j]) }
                    count = pending.count
                    pending.removeAll()
                }
            } else {
                for j in pending { mx += cos(2 * angles[j]); my += sin(2 * angles[j]) }
                count += pending.count
                pending.removeAll()
                mx += cos(2 * angles[k]); my += sin(2 * angles[k]); count += 1
            }
        }
        return changes
    }
}
