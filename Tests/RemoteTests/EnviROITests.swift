// ENVI ROI ASCII exports as label rasters: a file written in ENVI's own layout (header block,
// one column header, points ROI after ROI separated by blank lines), placed by pixel X/Y or by
// Map X/Y, and the clear refusals.

import Foundation
@testable import Remote
import Shared
import TestSupport
import XCTest

final class EnviROITests: XCTestCase {
    /// The grid of the generated scenes: 1 m pixels, upper-left corner at (334000, 3350000).
    let grid = RasterGrid(samples: 6, lines: 4, transform: GeoTransform(originX: 334_000, pixelWidth: 1, originY: 3_350_000, pixelHeight: -1))

    /// An export as ENVI 4.x writes it; `points` are (ROI, 1-based x, y) and the map columns are pixel centres.
    func export(_ rois: [(name: String, rgb: String, points: [(Int, Int)])], pixelColumns: Bool = true, dimension: String = "6 x 4") -> String {
        var t = "; ENVI Output of ROIs (4.8) [Thu Mar 07 14:53:04 2013]\n; Number of ROIs: \(rois.count)\n; File Dimension: \(dimension)\n;\n"
        for r in rois { t += "; ROI name: \(r.name)\n; ROI rgb value: {\(r.rgb)}\n; ROI npts: \(r.points.count)\n" }
        t += pixelColumns ? ";   ID     X     Y          Map X          Map Y        B1        B2\n"
                          : ";   ID          Map X          Map Y        B1        B2\n"
        var id = 0
        for (i, r) in rois.enumerated() {
            if i > 0 { t += "\n" }
            for (x, y) in r.points {
                id += 1
                let mx = 334_000 + Double(x) - 0.5, my = 3_350_000 - Double(y) + 0.5
                let map = String(format: "%14.6f %14.6f", mx, my)
                t += pixelColumns ? String(format: "%6d %5d %5d ", id, x, y) + map + "    0.1250    0.2500\n"
                                  : String(format: "%6d ", id) + map + "    0.1250    0.2500\n"
            }
        }
        return t
    }

    let rois: [(name: String, rgb: String, points: [(Int, Int)])] = [
        ("grass_healthy", "0, 205, 0", [(1, 1), (2, 1), (6, 4)]),
        ("road", "255, 0, 0", [(3, 2), (3, 3)]),
    ]

    func testPixelColumnsPlaceEachROIAsAClass() throws {
        let labels = try EnviROIFile.parse(export(rois), source: "train.txt", grid: grid)
        XCTAssertEqual(labels.classNames, ["grass_healthy", "road"])
        XCTAssertEqual(labels.labels, [1, 1, 0, 0, 0, 0,
                                       0, 0, 2, 0, 0, 0,
                                       0, 0, 2, 0, 0, 0,
                                       0, 0, 0, 0, 0, 1])
        XCTAssertEqual(labels.counts, [3, 2])
    }

    func testMapColumnsPlacePointsThroughTheGeotransform() throws {
        let byMap = try EnviROIFile.parse(export(rois, pixelColumns: false), source: "train.txt", grid: grid)
        let byPixel = try EnviROIFile.parse(export(rois), source: "train.txt", grid: grid)
        XCTAssertEqual(byMap.labels, byPixel.labels)
        let ungeoreferenced = RasterGrid(samples: 6, lines: 4, transform: nil)
        XCTAssertThrowsError(try EnviROIFile.parse(export(rois, pixelColumns: false), source: "t.txt", grid: ungeoreferenced)) {
            XCTAssertTrue("\($0)".contains("no georeferencing"), "\($0)")
        }
    }

    func testReadDetectsTheFileAndTrainingTakesIt() throws {
        let dir = makeTemporaryDirectory("roi")
        defer { try? FileManager.default.removeItem(at: dir) }
        let path = dir.appendingPathComponent("train_roi.txt").path
        try export(rois).write(toFile: path, atomically: true, encoding: .utf8)
        XCTAssertTrue(EnviROIFile.isROI(path))
        XCTAssertEqual(try LabelRaster.read(path, grid: grid).labels.filter { $0 > 0 }.count, 5)
        XCTAssertThrowsError(try LabelRaster.read(path)) { XCTAssertTrue("\($0)".contains("needs the scene"), "\($0)") }

        // On a generated scene, an ROI export of a few pixels per class trains a model end to end.
        let scene = try FusionSceneGenerator(samples: 24, lines: 24, bands: 6, seed: 4).write(to: dir)
        var byClass: [Int: [(Int, Int)]] = [:]
        for (i, k) in scene.labels.enumerated() where i % 7 == 0 { byClass[k, default: []].append((i % 24 + 1, i / 24 + 1)) }
        let names = FusionSceneGenerator.classNames
        let text = export((1...4).map { (names[$0 - 1], "0, 0, 0", byClass[$0]!) }, dimension: "24 x 24")
        let roiPath = dir.appendingPathComponent("scene_roi.txt").path
        try text.write(toFile: roiPath, atomically: true, encoding: .utf8)
        var o = FusionModelsTests.options(dir, kind: "lidar-only")
        o.labels = roiPath
        o.patch = 3; o.width = 4; o.epochs = 1; o.split = "per-class"; o.perClass = 5
        let result = try FusionTrainer(options: o).train()
        XCTAssertEqual(result.info.classes, names)
        XCTAssertEqual(result.split.train.count, 20)
        XCTAssertTrue(result.split.train.allSatisfy { $0 % 7 == 0 })
    }

    func testBrokenExportsFailNamingTheReason() {
        func fails(_ text: String, _ reason: String, grid: RasterGrid? = nil, line: UInt = #line) {
            XCTAssertThrowsError(try EnviROIFile.parse(text, source: "bad_roi.txt", grid: grid ?? self.grid), line: line) {
                XCTAssertTrue("\($0)".contains(reason) && "\($0)".contains("bad_roi.txt"), "\($0)", line: line)
            }
        }
        let good = export(rois)
        fails("ID X Y\n1 2 3\n", "not an ENVI ROI ASCII export")
        fails(good.replacingOccurrences(of: "; ROI npts: 2", with: "; ROI npts: 3"), "holds 5 points but its ROIs declare 6")
        fails(good.replacingOccurrences(of: "; ROI npts: 2\n", with: ""), "has no \"; ROI npts:\" line")
        fails(good.replacingOccurrences(of: "; Number of ROIs: 2", with: "; Number of ROIs: 3"), "declares 3 ROIs but names 2")
        fails(good, "drawn on a 6 × 4 image but the scene is 5 × 4", grid: RasterGrid(samples: 5, lines: 4, transform: grid.transform))
        fails(export([("a", "1, 1, 1", [(7, 1)])], dimension: "7 x 4").replacingOccurrences(of: "; File Dimension: 7 x 4\n", with: ""),
              "outside the 6 × 4 scene")
        fails(export([("a", "1, 1, 1", [(1, 1)]), ("b", "2, 2, 2", [(1, 1)])]), "lies in ROI \"a\" and in ROI \"b\"")
        fails(good.replacingOccurrences(of: "0.2500\n", with: "x.2500\n"), "is not a number")
        fails(good.replacingOccurrences(of: "    0.2500\n", with: "\n"), "values for the 7 columns")
        // Band values only (ENVI's "B1 B2 B3" export): no location to place them.
        let bandsOnly = "; ENVI Output of ROIs (4.4) [Sun Feb 07 09:41:07 2010]\n; Number of ROIs: 1\n; File Dimension: 6 x 4\n;\n"
            + "; ROI name: water\n; ROI rgb value: {0, 0, 255}\n; ROI npts: 2\n;   B1   B2   B3\n     1   17   92\n    16   32  106\n"
        fails(bandsOnly, "hold no pixel X/Y or Map X/Map Y")
    }
}
