// Grains as 4-connected regions of non-boundary pixels, labelled 1...count (0 = boundary).

import Foundation
import Shared

public struct GrainLabels: Sendable {
    public let width: Int
    public let height: Int
    /// Row-major label per pixel; 0 on boundaries.
    public let labels: [Int32]
    public let count: Int
    /// Pixel area of each grain, index = label (index 0 unused).
    public let areas: [Int]

    public init(_ map: BoundaryMap) {
        let grains = ConnectedComponents(BinaryMask(width: map.width, height: map.height, bits: map.isBoundary.map { !$0 }),
                                         connectivity: .four)
        width = map.width
        height = map.height
        labels = grains.labels
        count = grains.count
        areas = grains.areas
    }

    public subscript(x: Int, y: Int) -> Int32 { labels[y * width + x] }

    /// Label at the nearest grain pixel within `radius` (for points that fall on a boundary), or 0.
    public func nearestGrain(x: Int, y: Int, radius: Int = 2) -> Int32 {
        var best: Int32 = 0, bestD = Int.max
        for dy in -radius...radius {
            for dx in -radius...radius {
                let xx = x + dx, yy = y + dy
                guard xx >= 0, yy >= 0, xx < width, yy < height else { continue }
                let l = labels[yy * width + xx]
                if l != 0 && dx * dx + dy * dy < bestD { best = l; bestD = dx * dx + dy * dy }
            }
        }
        return best
    }
}
