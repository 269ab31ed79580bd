// Tiles at a physical scale: a grid of `tileSize`-pixel tiles at `umPerPixel`, laid in level-0
// pixels, kept where the tissue mask covers enough of them, each read from the coarsest level
// still at least as fine as the target and resampled. Tiles are read one at a time, so memory
// never depends on the slide's size.

import Foundation
import Shared

public struct SlideTiler: Sendable {
    public let slide: Slide
    public let umPerPixel: Double
    public let tileSize: Int
    /// The tile's side in level-0 pixels (fractional; origins are rounded).
    public let levelZeroSide: Double
    /// The level tiles are read from.
    public let level: Int

    public init(slide: Slide, umPerPixel: Double, tileSize: Int) throws {
        guard tileSize >= 8, tileSize <= 4096 else {
            throw ReticleError(.usage, file: slide.path, "tile size \(tileSize) is outside 8–4096 pixels")
        }
        guard umPerPixel.isFinite, SlideScale.plausible.contains(umPerPixel) else {
            throw ReticleError(.usage, file: slide.path, "tile scale \(umPerPixel) µm/px is outside \(SlideScale.plausible)")
        }
        self.slide = slide
        self.umPerPixel = umPerPixel
        self.tileSize = tileSize
        levelZeroSide = Double(tileSize) * umPerPixel / slide.scale.umPerPixel
        level = slide.bestLevel(forUmPerPixel: umPerPixel)
    }

    /// Every whole tile inside the slide whose tissue fraction (by `mask`) is at least `minTissue`.
    public func tiles(mask: TissueMask?, minTissue: Double) -> [SlideTile] {
        let side = Int(levelZeroSide.rounded())
        guard side >= 1, side <= slide.width, side <= slide.height else { return [] }
        let columns = Int((Double(slide.width) / levelZeroSide).rounded(.down))
        let rows = Int((Double(slide.height) / levelZeroSide).rounded(.down))
        var out: [SlideTile] = []
        for r in 0..<rows {
            for c in 0..<columns {
                let x = min(Int((Double(c) * levelZeroSide).rounded()), slide.width - side)
                let y = min(Int((Double(r) * levelZeroSide).rounded()), slide.height - side)
                let f = mask?.fraction(x: x, y: y, width: side, height: side) ?? 1
                if f >= minTissue && f > 0 {
                    out.append(SlideTile(index: out.count, row: r, column: c, x: x, y: y, width: side, height: side, tissueFraction: f))
                }
            }
        }
        return out
    }

    /// Rectangle-restricted tiles (level-0 rectangle), for training regions: whole tiles only, no mask.
    public func tiles(inside x: Int, _ y: Int, _ w: Int, _ h: Int) -> [SlideTile] {
        let side = Int(levelZeroSide.rounded())
        guard side >= 1 else { return [] }
        let x0 = max(0, x), y0 = max(0, y), x1 = min(slide.width, x + w), y1 = min(slide.height, y + h)
        var out: [SlideTile] = []
        var yy = y0, r = 0
        while yy + side <= y1 {
            var xx = x0, c = 0
            while xx + side <= x1 {
                out.append(SlideTile(index: out.count, row: r, column: c, x: xx, y: yy, width: side, height: side, tissueFraction: 1))
                xx += side; c += 1
            }
            yy += side; r += 1
        }
        return out
    }

    /// The tile's pixels: `tileSize × tileSize` RGB uint8 at `umPerPixel`.
    public func read(_ tile: SlideTile) throws -> Image {
        let ds = slide.levels[level].downsample
        let w = max(1, Int((Double(tile.width) / ds).rounded())), h = max(1, Int((Double(tile.height) / ds).rounded()))
        let region = try slide.readRegion(x: tile.x, y: tile.y, level: level, width: w, height: h)
        if w == tileSize && h == tileSize { return region }
        var out = try Resampler.resample(region, width: tileSize, height: tileSize)
        out.calibration = nil
        return out
    }
}
