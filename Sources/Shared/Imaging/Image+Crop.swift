// Cutting a rectangle out of an image, as tiles and patches need; outside the image is zero.

import Foundation

extension Image {
    /// The `width × height` region whose top-left corner is (x, y), any sample type; parts
    /// outside the image are zero. Calibration is kept.
    public func crop(x: Int, y: Int, width w: Int, height h: Int) -> Image {
        precondition(w >= 0 && h >= 0, "negative crop size \(w)×\(h)")
        // Overlap with the image, in output coordinates.
        let x0 = max(0, -x), x1 = min(w, width - x)
        let y0 = max(0, -y), y1 = min(h, height - y)
        func cut<T: Numeric>(_ a: [T]) -> [T] {
            var out = [T](repeating: 0, count: w * h * channels)
            guard x0 < x1, y0 < y1 else { return out }
            let span = (x1 - x0) * channels
            for row in y0..<y1 {
                let src = ((y + row) * width + x + x0) * channels
                let dst = (row * w + x0) * channels
                out.replaceSubrange(dst..<(dst + span), with: a[src..<(src + span)])
            }
            return out
        }
        let s: PixelStorage
        switch storage {
        case .uint8(let a): s = .uint8(cut(a))
        case .uint16(let a): s = .uint16(cut(a))
        case .float32(let a): s = .float32(cut(a))
        }
        return Image(width: w, height: h, channels: channels, storage: s, calibration: calibration)
    }

    /// The region a tile covers, zero-padded where it runs past the image.
    public func crop(_ tile: TileGrid.Tile) -> Image {
        crop(x: tile.x, y: tile.y, width: tile.width, height: tile.height)
    }
}
