// Grains as 4-connected regions of non-boundary pixels, labelled 1...count (0 = boundary).

import Foundation

public struct GrainLabels: Sendable {
    public let width: Int
    public let height: Int
    /// Row-major label per pixel; 0 on boundaries.
    public let labels: [Int32]
    public let count: Int
    /// Pixel area of each grain, index = label (index 0 unused).
    public let areas: [Int]

    public init(_ map: BoundaryMap) {
        width = map.width
        height = map.height
        var labels = [Int32](repeating: 0, count: map.width * map.height)
        var areas = [0]
        var next: Int32 = 0
        var stack: [Int] = []
        for start in 0..<labels.count where !map.isBoundary[start] && labels[start] == 0 {
            next += 1
            var area = 0
            labels[start] = next
            stack.append(start)
            while let p = stack.popLast() {
                area += 1
                let x = p % map.width, y = p / map.width
                // Explicit neighbours rather than a closure: this loop runs once per pixel.
                if x > 0, labels[p - 1] == 0, !map.isBoundary[p - 1] { labels[p - 1] = next; stack.append(p - 1) }
                if x + 1 < map.width, labels[p + 1] == 0, !map.isBoundary[p + 1] { labels[p + 1] = next; stack.append(p + 1) }
                if y > 0, labels[p - map.width] == 0, !map.isBoundary[p - map.width] {
                    labels[p - map.width] = next; stack.append(p - map.width)
                }
                if y + 1 < map.height, labels[p + map.width] == 0, !map.isBoundary[p + map.width] {
                    labels[p + map.width] = next; stack.append(p + map.width)
                }
            }
            areas.append(area)
        }
        self.labels = labels
        self.count = Int(next)
        self.areas = areas
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
