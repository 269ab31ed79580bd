// The whole-slide pipeline on generated slides with known tissue and tumour: scale and its
// source, tissue mask against the truth (pen and glass excluded), a model trained by the suite
// finding the tumour, GeoJSON, heatmap pixels, corrupt tiles, and the CMU corpus slide.

import Foundation
@testable import Medical
import Shared
import TestSupport
import XCTest

final class SlidePipelineTests: XCTestCase {
    var fixtures: SlideFixtures.Set { SlideFixtures.shared }

    func testScaleComesFromTIFFResolutionElseFlagElseError() throws {
        let slide = try Slide(path: fixtures.test)
        XCTAssertEqual(slide.levels.map(\.width), [2048, 1024, 512])
        XCTAssertEqual(slide.scale.umPerPixel, 0.5, accuracy: 1e-6)
        XCTAssertEqual(slide.scale.source, .tiffResolution)
        XCTAssertFalse(slide.scale.isEstimate)
        XCTAssertEqual(slide.bestLevel(forUmPerPixel: 1.0), 1)
        XCTAssertEqual(slide.bestLevel(forUmPerPixel: 0.7), 0)
        XCTAssertEqual(slide.bestLevel(forUmPerPixel: 40), 2)

        XCTAssertThrowsError(try Slide(path: fixtures.unscaled)) { error in
            let e = error as? ReticleError
            XCTAssertEqual(e?.kind, .calibration)
            XCTAssertEqual(e?.file, self.fixtures.unscaled)
            XCTAssertTrue(e?.reason.contains("--mpp") ?? false, e?.reason ?? "")
        }
        let flagged = try Slide(path: fixtures.unscaled, fallbackMpp: 0.25)
        XCTAssertEqual(flagged.scale.source, .flag)
        XCTAssertEqual(flagged.scale.umPerPixel, 0.25)
        // The slide's own scale beats the flag.
        XCTAssertEqual(try Slide(path: fixtures.test, fallbackMpp: 0.25).scale.umPerPixel, 0.5, accuracy: 1e-6)
    }

    func testObjectivePowerIsAnEstimate() throws {
        let s = try SlideScale.resolve(properties: ["openslide.objective-power": "40"], vendor: "x", fallback: 1, path: "p")
        XCTAssertEqual(s.source, .objectivePower)
        XCTAssertEqual(s.umPerPixel, 0.25)
        XCTAssertTrue(s.isEstimate)
        let v = try SlideScale.resolve(properties: ["openslide.mpp-x": "0.499", "openslide.mpp-y": "0.5", "openslide.objective-power": "40"],
                                       vendor: "aperio", fallback: nil, path: "p")
        XCTAssertEqual(v.source, .vendorMetadata)
        XCTAssertEqual(v.umPerPixelX, 0.499)
        let inch = try SlideScale.resolve(properties: ["tiff.XResolution": "25400", "tiff.YResolution": "25400", "tiff.ResolutionUnit": "inch"],
                                          vendor: "x", fallback: nil, path: "p")
        XCTAssertEqual(inch.source, .tiffResolution)
        XCTAssertEqual(inch.umPerPixel, 1, accuracy: 1e-12)
        // Implausible metadata is skipped, not believed.
        XCTAssertThrowsError(try SlideScale.resolve(properties: ["openslide.mpp-x": "0", "openslide.mpp-y": "0"], vendor: "x", fallback: nil, path: "p"))
    }

    func testTissueMaskMatchesTheTruthAndExcludesPenAndGlass() throws {
        let slide = try Slide(path: fixtures.test)
        let mask = try TissueDetector(preset: .biopsy).detect(slide)
        XCTAssertEqual(mask.downsample, 8, accuracy: 1e-9)  // level 2 (2 µm/px) halved to 4 µm/px
        XCTAssertEqual(mask.mask.width, 256)
        var agree = 0, penInMask = 0
        for y in 0..<mask.mask.height {
            for x in 0..<mask.mask.width {
                let truth = fixtures.testSlide.region(x: x * 8 + 4, y: y * 8 + 4)
                let isTissue = truth == .normal || truth == .tumour
                if mask.mask[x, y] == isTissue { agree += 1 }
                if truth == .pen && mask.mask[x, y] { penInMask += 1 }
            }
        }
        XCTAssertGreaterThan(Double(agree) / Double(mask.mask.bits.count), 0.98)
        XCTAssertEqual(penInMask, 0)
        // 1536 × 1024 px at 0.5 µm/px = 0.393 mm².
        XCTAssertEqual(mask.areaMm2, 0.393, accuracy: 0.01)
    }

    func testBlankGlassHasNoTissue() {
        let glass = Image(width: 64, height: 64, channels: 3, storage: .uint8((0..<(64 * 64 * 3)).map { 238 + UInt8($0 % 5) }))
        let mask = TissueDetector(preset: .resection).detect(glass, downsample: 8, umPerPixel: 4)
        XCTAssertEqual(mask.mask.count, 0)
    }

    func testTilesAreAtTheModelScaleInLevelZeroPixels() throws {
        let slide = try Slide(path: fixtures.test)
        let mask = try TissueDetector(preset: .biopsy).detect(slide)
        let tiler = try SlideTiler(slide: slide, umPerPixel: 1.0, tileSize: 32)
        XCTAssertEqual(tiler.level, 1)
        XCTAssertEqual(tiler.levelZeroSide, 64)
        let tiles = tiler.tiles(mask: mask, minTissue: 0.5)
        XCTAssertEqual(tiles.count, 24 * 16)  // the 1536 × 1024 tissue rectangle in 64-px tiles
        XCTAssertTrue(tiles.allSatisfy { $0.x >= 256 && $0.y >= 256 && $0.x + 64 <= 1792 && $0.y + 64 <= 1280 })
        let image = try tiler.read(tiles[0])
        XCTAssertEqual([image.width, image.height, image.channels], [32, 32, 3])
        // A tile at 0.75 µm/px comes from level 0, resampled.
        let fine = try SlideTiler(slide: slide, umPerPixel: 0.75, tileSize: 24)
        XCTAssertEqual(fine.level, 0)
        XCTAssertEqual(try fine.read(tiles[0]).width, 24)
    }

    func testTrainedModelFindsTheTumour() throws {
        let out = makeTemporaryDirectory("reticle-slide-out")
        var o = MedSlidesOptions()
        o.model = SlideFixtures.model
        let job = try o.classifier(outDir: out, progress: .quiet)
        let item = InputItem(path: fixtures.test, displayPath: "test.tif", id: "test.tif")
        let result = try job.classify(item)
        XCTAssertEqual(result["label"], "tumour")
        XCTAssertEqual(result["tile_count"], 384)
        XCTAssertEqual(result["tiles_skipped"], 0)
        XCTAssertEqual(result["um_per_px_source"], "tiff-resolution")
        XCTAssertEqual(result["flags"], .array([]))
        XCTAssertEqual(result["tissue_area_mm2"]?.doubleValue ?? 0, 0.393, accuracy: 0.01)
        for stage in ["open", "tissue", "tiling", "classify", "outputs", "total"] {
            XCTAssertNotNil(result["seconds"]?[stage]?.doubleValue, stage)
        }

        // Tile accuracy against the truth at each tile's centre.
        let slideDir = out.appendingPathComponent("slides/test.tif")
        let table = try TileScoreTable(csv: try String(contentsOf: slideDir.appendingPathComponent("tiles.csv"), encoding: .utf8), file: "tiles.csv")
        XCTAssertEqual(table.classes, ["normal", "tumour"])
        var right = 0
        for row in table.rows {
            let truth = fixtures.testSlide.region(x: row.tile.x + row.tile.width / 2, y: row.tile.y + row.tile.height / 2)
            if table.classes[row.label] == truth.rawValue { right += 1 }
        }
        let accuracy = Double(right) / Double(table.rows.count)
        XCTAssertGreaterThanOrEqual(accuracy, 0.9, "tile accuracy \(accuracy)")

        // GeoJSON: a FeatureCollection of polygons inside the slide, QuPath's classification object.
        let geo = try JSONValue.parse(try Data(contentsOf: slideDir.appendingPathComponent("tiles.geojson")))
        XCTAssertEqual(geo["type"], "FeatureCollection")
        let features = try XCTUnwrap(geo["features"]?.arrayValue)
        XCTAssertEqual(features.count, 384)
        for f in features {
            XCTAssertEqual(f["type"], "Feature")
            XCTAssertEqual(f["geometry"]?["type"], "Polygon")
            let ring = try XCTUnwrap(f["geometry"]?["coordinates"]?.arrayValue?.first?.arrayValue)
            XCTAssertEqual(ring.count, 5)
            XCTAssertEqual(ring.first, ring.last)
            for p in ring {
                let x = p.arrayValue?[0].doubleValue ?? -1, y = p.arrayValue?[1].doubleValue ?? -1
                XCTAssertTrue((0...2048).contains(x) && (0...1536).contains(y))
            }
            let name = f["properties"]?["classification"]?["name"]?.stringValue
            XCTAssertTrue(name == "normal" || name == "tumour")
            XCTAssertEqual(f["properties"]?["classification"]?["color"]?.arrayValue?.count, 3)
            XCTAssertNotNil(f["properties"]?["measurements"]?["p_tumour"]?.doubleValue)
        }

        // The heatmap (tumour probability) is red over the tumour, blue over normal tissue, untouched on glass.
        let heat = try ImageFile.read(path: slideDir.appendingPathComponent("heatmap.png").path)
        let thumb = try ImageFile.read(path: slideDir.appendingPathComponent("thumbnail.png").path)
        XCTAssertEqual([heat.width, heat.height], [256, 192])
        func redMinusBlue(_ img: Image, _ x: Int, _ y: Int) -> Float { img.sample(x: x, y: y, channel: 0) - img.sample(x: x, y: y, channel: 2) }
        let tumourPoint = (190, 96), normalPoint = (80, 96), glassPoint = (10, 10)  // thumbnail pixels (8 level-0 px each)
        XCTAssertEqual(fixtures.testSlide.region(x: tumourPoint.0 * 8, y: tumourPoint.1 * 8), .tumour)
        XCTAssertEqual(fixtures.testSlide.region(x: normalPoint.0 * 8, y: normalPoint.1 * 8), .normal)
        XCTAssertGreaterThan(redMinusBlue(heat, tumourPoint.0, tumourPoint.1) - redMinusBlue(thumb, tumourPoint.0, tumourPoint.1), 40)
        XCTAssertLessThan(redMinusBlue(heat, normalPoint.0, normalPoint.1) - redMinusBlue(thumb, normalPoint.0, normalPoint.1), -40)
        XCTAssertEqual(heat.sample(x: glassPoint.0, y: glassPoint.1, channel: 1), thumb.sample(x: glassPoint.0, y: glassPoint.1, channel: 1))

        // A tumour-free slide is normal.
        let clean = try job.classify(InputItem(path: fixtures.clean, displayPath: "clean.tif", id: "clean.tif"))
        XCTAssertEqual(clean["label"], "normal")
    }

    func testCorruptTileIsSkippedCountedAndFlagged() throws {
        var o = MedSlidesOptions()
        o.model = SlideFixtures.model
        let job = try o.classifier(outDir: nil, progress: .quiet)
        let result = try job.classify(InputItem(path: fixtures.corrupt, displayPath: "corrupt.tif", id: "corrupt.tif"))
        let skipped = try XCTUnwrap(result["tiles_skipped"]?.doubleValue)
        XCTAssertGreaterThanOrEqual(skipped, 1)
        XCTAssertLessThanOrEqual(skipped, 25)  // one 128-px TIFF tile at level 1 covers 16 model tiles, a few more at its edges
        XCTAssertEqual((result["tile_count"]?.doubleValue ?? 0) + skipped, 384)
        XCTAssertEqual(result["flags"], ["corrupt-tiles"])
        XCTAssertEqual(result["label"], "tumour")
    }

    func testCMU1SmallRegionGivesTissueTilesAndAResult() throws {
        guard let path = Corpus.path("wsi/CMU-1-Small-Region.svs") else { throw XCTSkip(Corpus.missing("wsi/CMU-1-Small-Region.svs")) }
        let out = makeTemporaryDirectory("reticle-cmu")
        var o = MedSlidesOptions()
        o.model = SlideFixtures.model
        let result = try o.classifier(outDir: out, progress: .quiet).classify(InputItem(path: path, displayPath: "cmu.svs", id: "cmu.svs"))
        XCTAssertEqual(result["um_per_px"], 0.499)
        XCTAssertEqual(result["um_per_px_source"], "vendor-metadata")
        let area = try XCTUnwrap(result["tissue_area_mm2"]?.doubleValue)
        // The region (1.11 × 1.48 mm) is mostly tissue with glass at the edges.
        XCTAssertGreaterThan(area, 0.3)
        XCTAssertLessThan(area, 1.64)
        XCTAssertGreaterThan(result["tile_count"]?.doubleValue ?? 0, 100)
        XCTAssertEqual(result["tiles_skipped"], 0)
        XCTAssertNotNil(result["label"]?.stringValue)
        XCTAssertTrue(FileManager.default.fileExists(atPath: out.appendingPathComponent("slides/cmu.svs/tissue.png").path))
    }
}
