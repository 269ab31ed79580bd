// Where the tissue overview comes from: a pyramid level, or the scanner's stored thumbnail when
// the slide has no level near the mask's resolution. The thumbnail must give the same tissue as
// reading the whole level 0 (CMU-1-Small-Region has one level and a 574 × 768 thumbnail).

import Foundation
@testable import Medical
import Shared
import TestSupport
import XCTest

final class TissueOverviewTests: XCTestCase {
    func testSingleLevelSlideTakesItsThumbnailAndFindsTheSameTissue() throws {
        guard let path = Corpus.path("wsi/CMU-1-Small-Region.svs") else { throw XCTSkip(Corpus.missing("wsi/CMU-1-Small-Region.svs")) }
        let slide = try Slide(path: path)
        XCTAssertEqual(slide.levels.count, 1)
        let overview = try TissueDetector.overview(slide, umPerPixel: 4)
        XCTAssertEqual(overview.source, "thumbnail")
        // 2220 × 2967 over a 574 × 768 thumbnail (downsample 3.8654), halved towards 4 µm/px.
        XCTAssertEqual([overview.image.width, overview.image.height], [287, 384])
        XCTAssertEqual(overview.downsample, 7.7309, accuracy: 1e-3)
        XCTAssertEqual(overview.umPerPixel, 3.8577, accuracy: 1e-3)

        // The same detection on level 0 read whole and area-averaged by 8.
        let full = try slide.readRegion(x: 0, y: 0, level: 0, width: 2216, height: 2960)
        let small = try Resampler.resample(full, width: 277, height: 370)
        let detector = TissueDetector(preset: .biopsy)
        let fromLevel = detector.detect(small, downsample: 8, umPerPixel: 8 * 0.499)
        let fromThumbnail = detector.detect(overview.image, downsample: overview.downsample, umPerPixel: overview.umPerPixel)
        XCTAssertGreaterThan(fromLevel.areaMm2, 0.3)
        XCTAssertEqual(fromThumbnail.areaMm2, fromLevel.areaMm2, accuracy: 0.05 * fromLevel.areaMm2)

        // The thumbnail is the scan itself, not a label: its mean colour is level 0's.
        func means(_ image: Image) -> [Double] {
            let px = image.floatPixels(normalized: false)
            return (0..<3).map { c in stride(from: c, to: px.count, by: 3).reduce(0.0) { $0 + Double(px[$1]) } / Double(px.count / 3) }
        }
        for (a, b) in zip(means(overview.image), means(small)) { XCTAssertEqual(a, b, accuracy: 3) }

        // The tiles a 224-px model at 0.499 µm/px keeps: the same within a few along the mask's edge.
        let tiler = try SlideTiler(slide: slide, umPerPixel: 0.499, tileSize: 224)
        let a = Set(tiler.tiles(mask: fromLevel, minTissue: 0.5).map(\.index))
        let b = Set(tiler.tiles(mask: fromThumbnail, minTissue: 0.5).map(\.index))
        XCTAssertGreaterThan(a.count, 20)
        XCTAssertLessThanOrEqual(a.symmetricDifference(b).count, 4, "level 0: \(a.sorted()), thumbnail: \(b.sorted())")
    }

    func testPyramidLevelWhenOneIsNearTheTargetOrNoThumbnailExists() throws {
        let dir = makeTemporaryDirectory("overview-source")
        let path = dir.appendingPathComponent("s.tif").path
        var s = SyntheticSlide()
        s.levels = 1
        try s.write(to: path)
        let slide = try Slide(path: path)
        // Generated tiled TIFFs store no thumbnail: level 0 it is, however far from the target.
        XCTAssertNil(try slide.thumbnail())
        XCTAssertEqual(try TissueDetector.overview(slide, umPerPixel: 8).source, "level 0")

        let pyramid = dir.appendingPathComponent("p.tif").path
        var p = SyntheticSlide()
        p.levels = 3
        try p.write(to: pyramid)
        XCTAssertEqual(try TissueDetector.overview(try Slide(path: pyramid), umPerPixel: 2).source, "level 2")
    }
}
