// Counts the needles a field shows and their mean length, from the pixels they cover: each
// covered pixel adds 1/area of its needle, so a whole needle counts once and a needle cut
// by the field's edge counts by the part that shows.

import Foundation

struct NeedleTally: Sendable {
    private(set) var count = 0.0
    private var lengthSum = 0.0

    @inline(__always)
    mutating func add(_ hit: NeedleLanes.Hit) {
        let w = 1 / hit.area
        count += w
        lengthSum += w * hit.length
    }

    mutating func merge(_ other: NeedleTally) {
        count += other.count
        lengthSum += other.lengthSum
    }

    /// Count-weighted mean length in px (nil when no needle shows).
    var meanLengthPx: Double? { count > 0 ? lengthSum / count : nil }
}
