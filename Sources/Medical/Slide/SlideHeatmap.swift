// A heatmap of one class's tile probabilities (or of the tiles' MIL attention, scaled so the
// most attended tile is 1) drawn over the slide thumbnail: each tile's footprint tinted from
// blue (0) through green to red (1), glass and unscored tissue left as they are. Built from a
// `TileScoreTable`, so it can be redrawn without the model.

import Foundation
import Shared

public struct SlideHeatmap: Sendable {
    public var opacity: Float = 0.5

    public init(opacity: Float = 0.5) { self.opacity = opacity }

    /// `thumbnail` is the slide at `downsample` level-0 pixels per pixel; `classIndex` the class shown.
    public func render(thumbnail: Image, downsample: Double, scores: TileScoreTable, classIndex: Int) -> Image {
        guard scores.classes.indices.contains(classIndex) else { return thumbnail }
        return render(thumbnail: thumbnail, downsample: downsample, tiles: scores.rows.map(\.tile), values: scores.rows.map { $0.probabilities[classIndex] })
    }

    /// The tiles' attention weights relative to the largest (nil when the table has none).
    public func renderAttention(thumbnail: Image, downsample: Double, scores: TileScoreTable) -> Image? {
        guard scores.hasAttention else { return nil }
        let a = scores.rows.map { $0.attention ?? 0 }
        let top = a.max() ?? 0
        return render(thumbnail: thumbnail, downsample: downsample, tiles: scores.rows.map(\.tile), values: a.map { top > 0 ? $0 / top : 0 })
    }

    /// One value in 0...1 per tile.
    public func render(thumbnail: Image, downsample: Double, tiles: [SlideTile], values: [Double]) -> Image {
        guard case .uint8(var px) = thumbnail.storage, thumbnail.channels == 3, tiles.count == values.count else { return thumbnail }
        let w = thumbnail.width, h = thumbnail.height
        for (t, value) in zip(tiles, values) {
            let (r, g, b) = HeatmapOverlay.colour(Float(value))
            let x0 = max(0, Int((Double(t.x) / downsample).rounded())), y0 = max(0, Int((Double(t.y) / downsample).rounded()))
            let x1 = min(w, Int((Double(t.x + t.width) / downsample).rounded())), y1 = min(h, Int((Double(t.y + t.height) / downsample).rounded()))
            guard x1 > x0, y1 > y0 else { continue }
            for y in y0..<y1 {
                for x in x0..<x1 {
                    let i = 3 * (y * w + x)
                    for (c, v) in [r, g, b].enumerated() {
                        let mixed = (1 - opacity) * Float(px[i + c]) + opacity * v * 255
                        px[i + c] = UInt8(max(0, min(255, mixed.rounded())))
                    }
                }
            }
        }
        return Image(width: w, height: h, channels: 3, storage: .uint8(px))
    }
}
