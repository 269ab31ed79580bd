// What a grain-size result was counted on, drawn over the micrograph so a metallographer can
// check it as in ZEN core or Stream: detected boundaries (red), field borders (white), the
// intercept test lines (cyan) and Abrams circles (yellow), the planimetric circle (magenta),
// and every counted intercept (green square). RGB, 8-bit, the image's own size.

import Foundation
import Shared

public struct GrainSizeOverlay: Sendable {
    /// Largest side drawn: an overlay is for looking at; beyond it none is written (said in the result).
    public static let maxSide = 8192

    public init() {}

    public func render(_ image: Image, map: BoundaryMap, columns: Int, rows: Int, methods: [GrainSizeMethod]) -> Image {
        let w = map.width, h = map.height
        let gray = image.grayscale().converted(to: .uint8)
        guard case .uint8(let g) = gray.storage else { return gray }
        var rgb = [UInt8](repeating: 0, count: w * h * 3)
        for i in 0..<(w * h) {
            let v = UInt8(Int(g[i]) * 3 / 4)  // dimmed, so the colours read
            rgb[3 * i] = v; rgb[3 * i + 1] = v; rgb[3 * i + 2] = v
        }
        func set(_ x: Int, _ y: Int, _ c: (UInt8, UInt8, UInt8)) {
            guard x >= 0, y >= 0, x < w, y < h else { return }
            let i = 3 * (y * w + x)
            rgb[i] = c.0; rgb[i + 1] = c.1; rgb[i + 2] = c.2
        }
        for i in 0..<(w * h) where map.isBoundary[i] { set(i % w, i / w, (230, 40, 40)) }
        let fw = w / columns, fh = h / rows
        for r in 0..<rows {
            for c in 0..<columns {
                let ox = c * fw, oy = r * fh
                for x in ox..<(ox + fw) { set(x, oy, (255, 255, 255)); set(x, oy + fh - 1, (255, 255, 255)) }
                for y in oy..<(oy + fh) { set(ox, y, (255, 255, 255)); set(ox + fw - 1, y, (255, 255, 255)) }
                let field = map.cropped(x: ox, y: oy, width: fw, height: fh)
                let grains = GrainLabels(field)
                var lines: [(TestLine, (UInt8, UInt8, UInt8))] = []
                if methods.contains(.interceptLines) {
                    lines += InterceptMethod.straightLines(width: fw, height: fh).map { ($0, (40, 220, 230)) }
                }
                if methods.contains(.interceptCircles) {
                    lines += InterceptMethod.abramsCircles(width: fw, height: fh).map { ($0, (240, 220, 40)) }
                }
                if methods.contains(.planimetricCircle),
                   case .circle(let cx, let cy, let radius) = PlanimetricMethod.defaultFigure(width: fw, height: fh, circle: true) {
                    lines.append((.circle(centerX: cx, centerY: cy, radius: radius), (230, 60, 230)))
                }
                for (line, colour) in lines {
                    for p in InterceptMethod.pixels(along: line, width: fw, height: fh) where !field[p.x, p.y] {
                        set(ox + p.x, oy + p.y, colour)
                    }
                }
                for (line, colour) in lines where colour != (230, 60, 230) {
                    for m in InterceptMethod.count(grains, line: line).marks {
                        let mx = ox + m % fw, my = oy + m / fw
                        for dy in -1...1 { for dx in -1...1 { set(mx + dx, my + dy, (40, 230, 60)) } }
                    }
                }
            }
        }
        return Image(width: w, height: h, channels: 3, storage: .uint8(rgb))
    }
}
