// An axis-aligned rectangle of whole pixels: where a scale bar sits and which part
// of a micrograph the analysis must leave out.

import Foundation
import Shared

public struct PixelRect: Equatable, Hashable, Sendable {
    public var x: Int
    public var y: Int
    public var width: Int
    public var height: Int

    public init(x: Int, y: Int, width: Int, height: Int) {
        self.x = x
        self.y = y
        self.width = width
        self.height = height
    }

    /// The rectangle spanning columns x0...x1 and rows y0...y1 (inclusive).
    public init(x0: Int, y0: Int, x1: Int, y1: Int) {
        self.init(x: x0, y: y0, width: x1 - x0 + 1, height: y1 - y0 + 1)
    }

    public var maxX: Int { x + width - 1 }
    public var maxY: Int { y + height - 1 }
    public var area: Int { max(0, width) * max(0, height) }
    public var isEmpty: Bool { width <= 0 || height <= 0 }

    public func contains(x px: Int, y py: Int) -> Bool {
        px >= x && px <= maxX && py >= y && py <= maxY
    }

    /// True when every pixel of `other` lies inside this rectangle.
    public func contains(_ other: PixelRect) -> Bool {
        other.x >= x && other.y >= y && other.maxX <= maxX && other.maxY <= maxY
    }

    /// Grown by `dx` left and right and `dy` up and down.
    public func padded(dx: Int, dy: Int) -> PixelRect {
        PixelRect(x: x - dx, y: y - dy, width: width + 2 * dx, height: height + 2 * dy)
    }

    /// The smallest rectangle holding both.
    public func union(_ other: PixelRect) -> PixelRect {
        PixelRect(x0: min(x, other.x), y0: min(y, other.y), x1: max(maxX, other.maxX), y1: max(maxY, other.maxY))
    }

    /// The part inside a `width × height` image (possibly empty).
    public func clipped(width w: Int, height h: Int) -> PixelRect {
        let x0 = max(0, x), y0 = max(0, y), x1 = min(w - 1, maxX), y1 = min(h - 1, maxY)
        return x1 < x0 || y1 < y0 ? PixelRect(x: x0, y: y0, width: 0, height: 0) : PixelRect(x0: x0, y0: y0, x1: x1, y1: y1)
    }

    /// `{x, y, width, height}` as in every result file.
    public var json: JSONValue {
        ["x": .int(x), "y": .int(y), "width": .int(width), "height": .int(height)]
    }
}
