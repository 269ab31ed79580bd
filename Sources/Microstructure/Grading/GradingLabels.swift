// How grading results name their classes. The needle-length class is a house scale "in the
// style of ISO 643 comparison charts" and is never printed as an ISO 643 G number
// (DESIGN.md "Honest labels"); G numbers come only from `reticle micro grainsize`.

import Foundation

public enum GradingLabels {
    /// The scale's name, printed beside every needle class.
    public static let houseScale = NeedleLengthScale.houseScaleName

    /// "needle class 3 (house scale)" — short form for tables.
    public static func needleClass(_ name: String) -> String { "needle class \(name) (house scale)" }
}
