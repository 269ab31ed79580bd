// What keeps `med slides` bounded on very large slides: the streamed TIFF writer (a slide written
// tile by tile reads back through OpenSlide as the procedural rendering), the overview's side cap
// for tissue detection, and the GeoJSON written feature by feature (same document as the tree).

import Foundation
@testable import Medical
import Shared
import TestSupport
import XCTest

final class SlideMemoryBoundsTests: XCTestCase {
    func testStreamedSlideReadsBackAsRendered() throws {
        var s = SyntheticSlide()
        s.width = 1024
        s.height = 768
        s.tissue = (x: 128, y: 128, width: 768, height: 512)
        s.tumour = (x: 128, y: 128, width: 384, height: 512)
        s.penRow = 64
        s.tileSize = 128
        s.levels = 4
        let path = makeTemporaryDirectory("streamed").appendingPathComponent("s.tif").path
        try s.writeStreamed(to: path, jpegQuality: 95, workers: 2)
        let slide = try Slide(path: path)
        XCTAssertEqual(slide.levels.map { [$0.width, $0.height] }, [[1024, 768], [512, 384], [256, 192]], "a level under one tile is not written")
        XCTAssertEqual(slide.scale.umPerPixel, 0.5, accuracy: 1e-4)
        XCTAssertEqual(slide.scale.source, .tiffResolution)
        // JPEG q95: each 16 × 16 block's mean matches the rendering's within a few levels.
        for (x, y, level) in [(200, 200, 0), (700, 300, 0), (40, 40, 0), (100, 100, 1), (60, 50, 2)] {
            let region = try slide.readRegion(x: x << level, y: y << level, level: level, width: 16, height: 16)
            guard case .uint8(let px) = region.storage else { return XCTFail("not uint8") }
            let scale = 1 << level
            for c in 0..<3 {
                var got = 0.0, want = 0.0
                for yy in 0..<16 {
                    for xx in 0..<16 {
                        got += Double(px[3 * (yy * 16 + xx) + c])
                        let p = s.streamedPixel(x: (x + xx) * scale + scale / 2, y: (y + yy) * scale + scale / 2)
                        want += Double([p.0, p.1, p.2][c])
                    }
                }
                XCTAssertEqual(got / 256, want / 256, accuracy: 3, "level \(level) at \(x),\(y) channel \(c)")
            }
        }
    }

    func testOverviewIsCappedAtMaxSide() throws {
        let dir = makeTemporaryDirectory("overview-cap")
        let path = dir.appendingPathComponent("s.tif").path
        var s = SyntheticSlide()
        s.levels = 1
        try s.write(to: path)
        let slide = try Slide(path: path)
        let free = try TissueDetector.overview(slide, umPerPixel: 1)
        XCTAssertEqual([free.image.width, free.image.height], [1024, 768])
        let capped = try TissueDetector.overview(slide, umPerPixel: 1, maxSide: 300)
        XCTAssertEqual([capped.image.width, capped.image.height], [292, 219], "factor raised from 2 to 7")
        XCTAssertEqual(capped.downsample, 7)
    }

    func testStreamedGeoJSONIsTheTree() throws {
        var rows: [TileScoreTable.Row] = []
        for i in 0..<4000 {
            let tile = SlideTile(index: i, row: i / 50, column: i % 50, x: 64 * (i % 50), y: 64 * (i / 50),
                                 width: 64, height: 64, tissueFraction: Double(i % 7) / 7)
            let p = Double(i % 10) / 10
            rows.append(TileScoreTable.Row(tile: tile, probabilities: [p, 1 - p]))
        }
        let table = TileScoreTable(classes: ["normal", "tumour"], rows: rows)
        let url = makeTemporaryDirectory("geojson").appendingPathComponent("tiles.geojson")
        try QuPathGeoJSON.write(table, to: url)
        let text = try String(contentsOf: url, encoding: .utf8)
        XCTAssertEqual(text, QuPathGeoJSON.featureCollection(table).serialized() + "\n")
        XCTAssertGreaterThan(text.utf8.count, 1 << 20, "more than one buffer flush")
    }
}
