// 8-connected components of a binary mask with their areas, and the two clean-ups built on them:
// removing small objects and filling small holes.

import Foundation

public struct ConnectedComponents: Sendable {
    /// Per pixel, 0 for clear, else the 1-based component label.
    public let labels: [Int32]
    /// `areas[label]` in pixels; `areas[0]` is 0.
    public let areas: [Int]
    public let width: Int
    public let height: Int

    /// Which neighbours join a component: edge neighbours only, or edges and corners.
    public enum Connectivity: Sendable { case four, eight }

    public init(_ m: BinaryMask, connectivity: Connectivity = .eight) {
        width = m.width
        height = m.height
        let w = m.width, h = m.height
        var labels = [Int32](repeating: 0, count: m.bits.count)
        var areas = [0]
        var stack: [Int] = []
        for start in 0..<m.bits.count where m.bits[start] && labels[start] == 0 {
            let label = Int32(areas.count)
            var area = 0
            labels[start] = label
            stack.append(start)
            // Explicit neighbours rather than a closure: this loop runs once per pixel.
            while let p = stack.popLast() {
                area += 1
                let x = p % w, y = p / w
                let x0 = x > 0 ? -1 : 0, x1 = x + 1 < w ? 1 : 0
                let y0 = y > 0 ? -1 : 0, y1 = y + 1 < h ? 1 : 0
                for dy in y0...y1 {
                    for dx in x0...x1 where dx != 0 || dy != 0 {
                        if connectivity == .four && dx != 0 && dy != 0 { continue }
                        let q = p + dy * w + dx
                        if m.bits[q] && labels[q] == 0 {
                            labels[q] = label
                            stack.append(q)
                        }
                    }
                }
            }
            areas.append(area)
        }
        self.labels = labels
        self.areas = areas
    }

    public var count: Int { areas.count - 1 }

    /// `m` without the components smaller than `minArea` pixels.
    public static func removingSmallObjects(_ m: BinaryMask, minArea: Int) -> BinaryMask {
        guard minArea > 1 else { return m }
        let c = ConnectedComponents(m)
        return BinaryMask(width: m.width, height: m.height, bits: c.labels.map { $0 != 0 && c.areas[Int($0)] >= minArea })
    }

    /// `m` with every hole (a clear component not touching the border) smaller than `maxArea` pixels set.
    public static func fillingHoles(_ m: BinaryMask, maxArea: Int) -> BinaryMask {
        let c = ConnectedComponents(m.inverted)
        var touches = [Bool](repeating: false, count: c.areas.count)
        for x in 0..<m.width {
            touches[Int(c.labels[x])] = true
            touches[Int(c.labels[(m.height - 1) * m.width + x])] = true
        }
        for y in 0..<m.height {
            touches[Int(c.labels[y * m.width])] = true
            touches[Int(c.labels[y * m.width + m.width - 1])] = true
        }
        var out = m
        for i in 0..<m.bits.count {
            let l = Int(c.labels[i])
            if l != 0 && !touches[l] && c.areas[l] < maxArea { out.bits[i] = true }
        }
        return out
    }
}
