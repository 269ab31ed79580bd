// A polygon with holes in image coordinates (a GeoJSON Polygon: the first ring is the outline,
// the others holes), for asking whether a point lies inside an annotated region. Even-odd ray
// casting per ring; a point inside a hole is outside the region.

import Foundation

public struct PolygonRegion: Equatable, Sendable {
    /// Rings of (x, y) vertices; a closing vertex equal to the first is allowed, not needed.
    public var rings: [[(x: Double, y: Double)]]

    public static func == (a: PolygonRegion, b: PolygonRegion) -> Bool {
        a.rings.count == b.rings.count && zip(a.rings, b.rings).allSatisfy { $0.count == $1.count && zip($0, $1).allSatisfy { $0 == $1 } }
    }

    /// `outline` must have at least three vertices; `holes` likewise.
    public init(outline: [(x: Double, y: Double)], holes: [[(x: Double, y: Double)]] = []) {
        rings = [outline] + holes
    }

    public var bounds: (minX: Double, minY: Double, maxX: Double, maxY: Double) {
        let o = rings[0]
        return (o.map(\.x).min() ?? 0, o.map(\.y).min() ?? 0, o.map(\.x).max() ?? 0, o.map(\.y).max() ?? 0)
    }

    /// Area of the outline minus the holes (shoelace formula).
    public var area: Double {
        func ringArea(_ r: [(x: Double, y: Double)]) -> Double {
            guard r.count >= 3 else { return 0 }
            var s = 0.0
            for i in r.indices { let j = (i + 1) % r.count; s += r[i].x * r[j].y - r[j].x * r[i].y }
            return abs(s) / 2
        }
        return max(0, ringArea(rings[0]) - rings.dropFirst().reduce(0) { $0 + ringArea($1) })
    }

    public func contains(x: Double, y: Double) -> Bool {
        let b = bounds
        guard x >= b.minX, x <= b.maxX, y >= b.minY, y <= b.maxY else { return false }
        guard Self.inside(rings[0], x, y) else { return false }
        return !rings.dropFirst().contains { Self.inside($0, x, y) }
    }

    /// Fraction of an axis-aligned rectangle inside the region, from an `n × n` grid of sample points.
    public func coverage(x: Double, y: Double, width: Double, height: Double, samples n: Int = 8) -> Double {
        var hits = 0
        for i in 0..<n {
            for j in 0..<n where contains(x: x + (Double(j) + 0.5) * width / Double(n), y: y + (Double(i) + 0.5) * height / Double(n)) { hits += 1 }
        }
        return Double(hits) / Double(n * n)
    }

    static func inside(_ ring: [(x: Double, y: Double)], _ x: Double, _ y: Double) -> Bool {
        var inside = false
        var j = ring.count - 1
        for i in ring.indices {
            let (a, b) = (ring[i], ring[j])
            if (a.y > y) != (b.y > y), x < (b.x - a.x) * (y - a.y) / (b.y - a.y) + a.x { inside.toggle() }
            j = i
        }
        return inside
    }
}
