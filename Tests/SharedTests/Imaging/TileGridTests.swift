// Tiling: every pixel covered, no tile outside the image under .shift, regular origins
// under .pad, and crops that pad with zeros.

import Foundation
import Shared
import TestSupport
import XCTest

final class TileGridTests: XCTestCase {
    func testCoverageAndBoundsOverManyShapes() throws {
        for (w, h, tile, stride) in [(100, 60, 32, 32), (100, 60, 32, 24), (64, 64, 32, 32), (33, 17, 16, 5),
                                     (10, 10, 32, 16), (1, 1, 1, 1), (97, 3, 8, 8)] {
            for edge in TileGrid.EdgePolicy.allCases {
                let grid = try TileGrid(imageWidth: w, imageHeight: h, tileWidth: tile, tileHeight: tile,
                                        strideX: stride, strideY: stride, edge: edge)
                var covered = [Bool](repeating: false, count: w * h)
                for (i, t) in grid.tiles.enumerated() {
                    let label = "\(w)×\(h) tile \(tile) stride \(stride) \(edge) #\(i)"
                    XCTAssertEqual(t.index, i, label)
                    XCTAssertEqual([t.width, t.height], [tile, tile], label)
                    XCTAssertTrue(t.x >= 0 && t.y >= 0 && t.x < w && t.y < h, label)
                    if edge == .shift && w >= tile && h >= tile {
                        XCTAssertLessThanOrEqual(t.x + t.width, w, label)
                        XCTAssertLessThanOrEqual(t.y + t.height, h, label)
                    }
                    if edge == .pad { XCTAssertEqual(t.x % stride + t.y % stride, 0, label) }
                    for y in t.y..<(t.y + t.validHeight) { for x in t.x..<(t.x + t.validWidth) { covered[y * w + x] = true } }
                }
                XCTAssertTrue(covered.allSatisfy { $0 }, "\(w)×\(h) tile \(tile) stride \(stride) \(edge) leaves gaps")
            }
        }
    }

    func testShiftAndPadDifferOnlyInTheLastTile() throws {
        let shift = try TileGrid(width: 100, height: 32, tileSize: 32, edge: .shift)
        let pad = try TileGrid(width: 100, height: 32, tileSize: 32, edge: .pad)
        XCTAssertEqual(shift.xs, [0, 32, 64, 68])
        XCTAssertEqual(pad.xs, [0, 32, 64, 96])
        XCTAssertEqual(pad.tile(at: 3).validWidth, 4)
        XCTAssertEqual(shift.count, 4)
        let overlap = try TileGrid(width: 100, height: 100, tileSize: 40, overlap: 10)
        XCTAssertEqual(overlap.xs, [0, 30, 60])
        XCTAssertEqual([overlap.columns, overlap.rows, overlap.count], [3, 3, 9])
        XCTAssertThrowsError(try TileGrid(width: 10, height: 10, tileSize: 8, overlap: 8))
    }

    func testCropPadsWithZeros() {
        let image = Image(width: 3, height: 2, channels: 1, storage: .uint16([1, 2, 3, 4, 5, 6]),
                          calibration: Calibration(umPerPixel: 1, source: .flag))
        let crop = image.crop(x: 1, y: -1, width: 3, height: 3)
        XCTAssertEqual(crop.storage, .uint16([0, 0, 0, 2, 3, 0, 5, 6, 0]))
        XCTAssertEqual(crop.calibration, image.calibration)
        XCTAssertEqual(image.crop(x: 5, y: 5, width: 2, height: 1).storage, .uint16([0, 0]))
        let rgb = ImagingFixtures.pattern(width: 9, height: 7, channels: 3, type: .float32)
        XCTAssertEqual(rgb.crop(x: 0, y: 0, width: 9, height: 7), rgb)
        let grid = try! TileGrid(width: 9, height: 7, tileSize: 4, edge: .pad)
        let last = rgb.crop(grid.tile(at: grid.count - 1))
        XCTAssertEqual([last.width, last.height], [4, 4])
        XCTAssertEqual(last.sample(x: 0, y: 0, channel: 2), rgb.sample(x: 8, y: 4, channel: 2))
        XCTAssertEqual(last.sample(x: 1, y: 0), 0)
    }
}
