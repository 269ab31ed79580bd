// QuPath GeoJSON annotations as training regions on a generated slide: a tumour Polygon and a
// normal MultiPolygon with the tumour cut out as a hole, every tile labelled as the truth at
// its centre; the area rule; the .geojson beside the slide; and malformed files named.

import Foundation
@testable import Medical
import Shared
import TestSupport
import XCTest

final class SlideAnnotationTests: XCTestCase {
    var fixtures: SlideFixtures.Set { SlideFixtures.shared }

    /// The training slide's truth as QuPath would export it: tumour (256..1152 × 256..1280) and the
    /// rest of the tissue (256..1792 × 256..1280) with the tumour as a hole; plus a point and an
    /// unclassified polygon, which are left out.
    static let geojson = """
    {"type": "FeatureCollection", "features": [
      {"type": "Feature", "geometry": {"type": "Polygon", "coordinates": [[[256, 256], [1152, 256], [1152, 1280], [256, 1280], [256, 256]]]},
       "properties": {"objectType": "annotation", "classification": {"name": "tumour", "color": [200, 0, 0]}}},
      {"type": "Feature", "geometry": {"type": "MultiPolygon", "coordinates": [[
          [[256, 256], [1792, 256], [1792, 1280], [256, 1280], [256, 256]],
          [[256, 256], [1152, 256], [1152, 1280], [256, 1280], [256, 256]]]]},
       "properties": {"objectType": "annotation", "classification": {"name": "normal", "colorRGB": -16711936}}},
      {"type": "Feature", "geometry": {"type": "Point", "coordinates": [10, 10]}, "properties": {"classification": {"name": "normal"}}},
      {"type": "Feature", "geometry": {"type": "Polygon", "coordinates": [[[0, 0], [100, 0], [100, 100], [0, 0]]]}, "properties": {}}
    ]}
    """

    func testGeoJSONPolygonsLabelTilesLikeTheTruth() throws {
        let dir = makeTemporaryDirectory("reticle-geojson")
        try Self.geojson.write(to: dir.appendingPathComponent("train.geojson"), atomically: true, encoding: .utf8)
        let shapes = try QuPathAnnotations(path: dir.appendingPathComponent("train.geojson").path)
        XCTAssertEqual(shapes.annotations.map(\.className), ["tumour", "normal"])
        XCTAssertEqual(shapes.skipped, 2)
        XCTAssertEqual(shapes.annotations[1].region.area, 640 * 1024, accuracy: 1e-6)

        let csv = dir.appendingPathComponent("annotations.csv").path
        try "slide,geojson\n\(fixtures.train),train.geojson\n".write(toFile: csv, atomically: true, encoding: .utf8)
        let data = try TileDataset.load(csv, tileSize: 32, umPerPixel: 1, fallbackMpp: nil)
        XCTAssertEqual(data.source, "annotations")
        XCTAssertEqual(data.classes, ["normal", "tumour"])
        // 64-px tiles (32 px at 1 µm/px on a 0.5 µm/px slide): 14 × 16 in the tumour, 10 × 16 in the rest.
        XCTAssertEqual(data.labels.filter { $0 == 1 }.count, 14 * 16)
        XCTAssertEqual(data.labels.filter { $0 == 0 }.count, 10 * 16)
        XCTAssertEqual(Set(data.groups).count, 2)
        let tiler = try SlideTiler(slide: try Slide(path: fixtures.train), umPerPixel: 1, tileSize: 32)
        for t in tiler.tiles(mask: nil, minTissue: 0) {
            let truth = SlideFixtures.trainSlide.region(x: t.x + 32, y: t.y + 32)
            let label = shapes.covering(x: t.x, y: t.y, width: t.width, height: t.height, byArea: false).map { shapes.annotations[$0].className }
            XCTAssertEqual(label, truth == .tumour || truth == .normal ? truth.rawValue : nil, "tile at \(t.x),\(t.y)")
        }

        // The area rule: a tile straddling the tumour's edge by a quarter goes to the side holding most of it.
        let straddle = shapes.covering(x: 1152 - 16, y: 512, width: 64, height: 64, byArea: true)
        XCTAssertEqual(straddle.map { shapes.annotations[$0].className }, "normal")
        XCTAssertEqual(shapes.covering(x: 1152 - 48, y: 512, width: 64, height: 64, byArea: true).map { shapes.annotations[$0].className }, "tumour")
        XCTAssertNil(shapes.covering(x: 1792 - 16, y: 512, width: 64, height: 64, byArea: true))

        // The .geojson beside the slide, with an empty geojson field.
        try FileManager.default.copyItem(atPath: fixtures.train, toPath: dir.appendingPathComponent("train.tif").path)
        let beside = dir.appendingPathComponent("beside.csv").path
        try "slide,geojson\ntrain.tif,\n".write(toFile: beside, atomically: true, encoding: .utf8)
        XCTAssertEqual(try TileDataset.load(beside, tileSize: 32, umPerPixel: 1, fallbackMpp: nil).labels, data.labels)
    }

    func testMalformedGeoJSONIsNamed() throws {
        let dir = makeTemporaryDirectory("reticle-geojson-bad")
        let cases: [(String, String)] = [
            ("not-json.geojson", "{\"type\": "),
            ("no-features.geojson", "{\"type\": \"FeatureCollection\"}"),
            ("short-ring.geojson", "{\"type\": \"Feature\", \"geometry\": {\"type\": \"Polygon\", \"coordinates\": [[[0, 0], [1, 1], [0, 0]]]}, \"properties\": {\"classification\": {\"name\": \"a\"}}}"),
            ("bad-point.geojson", "[{\"type\": \"Feature\", \"geometry\": {\"type\": \"Polygon\", \"coordinates\": [[[0, 0], [1, \"x\"], [2, 2]]]}, \"properties\": {\"classification\": {\"name\": \"a\"}}}]"),
            ("other.geojson", "{\"type\": \"Topology\"}"),
        ]
        for (name, text) in cases {
            let path = dir.appendingPathComponent(name).path
            try text.write(toFile: path, atomically: true, encoding: .utf8)
            XCTAssertThrowsError(try QuPathAnnotations(path: path), name) { e in XCTAssertTrue("\(e)".contains(name), "\(e)") }
        }
        // Annotations that miss every tile are an error naming the GeoJSON.
        let far = dir.appendingPathComponent("far.geojson").path
        try "{\"type\": \"Feature\", \"geometry\": {\"type\": \"Polygon\", \"coordinates\": [[[0, 0], [20, 0], [20, 20], [0, 20]]]}, \"properties\": {\"classification\": {\"name\": \"a\"}}}"
            .write(toFile: far, atomically: true, encoding: .utf8)
        let csv = dir.appendingPathComponent("far.csv").path
        try "slide,geojson\n\(fixtures.train),far.geojson\n".write(toFile: csv, atomically: true, encoding: .utf8)
        XCTAssertThrowsError(try TileDataset.load(csv, tileSize: 32, umPerPixel: 1, fallbackMpp: nil)) { e in
            XCTAssertTrue("\(e)".contains("far.geojson") && "\(e)".contains("no 32-pixel tile"), "\(e)")
        }
    }
}
