// Cutting an image into fixed-size, possibly overlapping tiles for a model. The last
// row and column either shift back to end at the image edge (every tile lies inside
// the image) or run past it (the part outside is zero padding when cropped).

import Foundation

public struct TileGrid: Equatable, Sendable {
    public enum EdgePolicy: String, Codable, Sendable, CaseIterable {
        /// The last tile of a row or column moves back so it ends at the edge; overlaps its neighbour more.
        case shift
        /// The last tile keeps its regular position and extends past the edge.
        case pad
    }

    public struct Tile: Equatable, Hashable, Sendable {
        /// Row-major position in the grid: `row * columns + column`.
        public let index: Int
        public let column: Int
        public let row: Int
        public let x: Int
        public let y: Int
        /// Always the grid's tile size; with `.pad` a tile can extend past the image.
        public let width: Int
        public let height: Int
        /// The part of the tile inside the image.
        public let validWidth: Int
        public let validHeight: Int
    }

    public let imageWidth: Int
    public let imageHeight: Int
    public let tileWidth: Int
    public let tileHeight: Int
    public let strideX: Int
    public let strideY: Int
    public let edge: EdgePolicy
    /// Tile origins along each axis.
    public let xs: [Int]
    public let ys: [Int]

    /// - Parameters: stride = tile size − overlap; a stride larger than the tile leaves gaps (sampling).
    /// An image smaller than a tile gets one tile at the origin, which runs past the edge under either policy.
    public init(imageWidth: Int, imageHeight: Int, tileWidth: Int, tileHeight: Int,
                strideX: Int? = nil, strideY: Int? = nil, edge: EdgePolicy = .shift) throws {
        let sx = strideX ?? tileWidth, sy = strideY ?? tileHeight
        guard imageWidth >= 0, imageHeight >= 0, tileWidth >= 1, tileHeight >= 1, sx >= 1, sy >= 1 else {
            throw ReticleError(.usage, "tiling needs tile size and stride ≥ 1 (tile \(tileWidth)×\(tileHeight), stride \(sx)×\(sy))")
        }
        self.imageWidth = imageWidth
        self.imageHeight = imageHeight
        self.tileWidth = tileWidth
        self.tileHeight = tileHeight
        self.strideX = sx
        self.strideY = sy
        self.edge = edge
        xs = Self.origins(size: imageWidth, tile: tileWidth, stride: sx, edge: edge)
        ys = Self.origins(size: imageHeight, tile: tileHeight, stride: sy, edge: edge)
    }

    /// Square tiles of `tileSize` overlapping by `overlap` pixels.
    public init(width: Int, height: Int, tileSize: Int, overlap: Int = 0, edge: EdgePolicy = .shift) throws {
        try self.init(imageWidth: width, imageHeight: height, tileWidth: tileSize, tileHeight: tileSize,
                      strideX: tileSize - overlap, strideY: tileSize - overlap, edge: edge)
    }

    public var columns: Int { xs.count }
    public var rows: Int { ys.count }
    public var count: Int { xs.count * ys.count }

    public func tile(at index: Int) -> Tile {
        precondition(index >= 0 && index < count, "tile index \(index) out of 0..<\(count)")
        let row = index / columns, column = index % columns
        let x = xs[column], y = ys[row]
        return Tile(index: index, column: column, row: row, x: x, y: y, width: tileWidth, height: tileHeight,
                    validWidth: min(tileWidth, imageWidth - x), validHeight: min(tileHeight, imageHeight - y))
    }

    public var tiles: [Tile] { (0..<count).map(tile(at:)) }

    private static func origins(size: Int, tile: Int, stride: Int, edge: EdgePolicy) -> [Int] {
        guard size > 0 else { return [] }
        if size <= tile { return [0] }
        let n = (size - tile + stride - 1) / stride + 1
        return (0..<n).map { k in edge == .shift ? min(k * stride, size - tile) : k * stride }
    }
}
