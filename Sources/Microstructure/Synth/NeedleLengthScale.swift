// The needle-length class: an ordinal house scale "in the style of ISO 643 comparison
// charts". Class k holds mean needle (lath/plate) lengths in [a·2^(k−1), a·2^k) µm, doubling
// from class to class as chart sizes do. It is not an ISO 643 grain size number G and is
// never printed as one (DESIGN.md "Honest labels").

import Foundation
import Shared

public struct NeedleLengthScale: Codable, Equatable, Sendable {
    /// Number of classes (1…classCount).
    public var classCount: Int
    /// Lower end of class 1, in µm.
    public var class1MinimumUM: Double

    /// What results print beside a class number.
    public static let houseScaleName = "needle-length class (house scale in the style of ISO 643 comparison charts; not an ISO 643 G number)"

    public init(classCount: Int = 5, class1MinimumUM: Double = 2) {
        self.classCount = classCount
        self.class1MinimumUM = class1MinimumUM
    }

    public var classes: ClosedRange<Int> { 1...classCount }

    /// Checks the scale itself (a CLI gives these numbers).
    public func validate() throws {
        guard (1...12).contains(classCount) else { throw ReticleError(.usage, "needle-length classes must be 1…12, got \(classCount)") }
        guard class1MinimumUM.isFinite, class1MinimumUM > 0 else {
            throw ReticleError(.usage, "class 1 must start at a positive length, got \(class1MinimumUM) µm")
        }
    }

    /// Mean needle lengths (µm) that make up class `k`.
    public func range(ofClass k: Int) -> Range<Double> {
        precondition(classes.contains(k), "needle-length class \(k) is outside 1…\(classCount)")
        let lo = class1MinimumUM * pow(2, Double(k - 1))
        return lo..<(2 * lo)
    }

    /// Text for a class, e.g. "class 3 (8–16 µm)".
    public func describe(_ k: Int) -> String {
        let r = range(ofClass: k)
        return "class \(k) (\(Self.format(r.lowerBound))–\(Self.format(r.upperBound)) µm)"
    }

    static func format(_ v: Double) -> String {
        v == v.rounded() ? String(Int(v)) : String(format: "%.3g", v)
    }
}
