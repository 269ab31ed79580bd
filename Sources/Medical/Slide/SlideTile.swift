// One tile of a slide: its square footprint in level-0 pixels and how much of it is tissue.

import Foundation

public struct SlideTile: Equatable, Sendable {
    /// Position in the tiler's list (row-major over the kept tiles).
    public var index: Int
    public var row: Int
    public var column: Int
    /// Level-0 pixels.
    public var x: Int
    public var y: Int
    public var width: Int
    public var height: Int
    public var tissueFraction: Double

    public init(index: Int, row: Int, column: Int, x: Int, y: Int, width: Int, height: Int, tissueFraction: Double) {
        self.index = index; self.row = row; self.column = column
        self.x = x; self.y = y; self.width = width; self.height = height
        self.tissueFraction = tissueFraction
    }
}
