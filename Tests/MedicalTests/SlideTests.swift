// SlideSource and SlideInspector against the OpenSlide test slides and what openslide-python
// read from them (expected.json), plus the premultiplied-ARGB conversion.

import Foundation
@testable import Medical
import Shared
import TestSupport
import XCTest

final class SlideTests: XCTestCase {
    func wsi(_ name: String) throws -> String {
        guard let p = Corpus.path("wsi/\(name)") else { throw XCTSkip(Corpus.missing("wsi/\(name)")) }
        return p
    }

    func header(_ path: String) throws -> [UInt8] { try FileHeader.read(path: path, count: 4096) }

    func testCMU1SmallRegion() throws {
        let path = try wsi("CMU-1-Small-Region.svs")
        XCTAssertTrue(SlideInspector().recognizes(path: path, header: try header(path)))
        let o = try SlideInspector().inspect(path: path, options: InspectOptions())
        XCTAssertEqual(o.keys, ["kind", "format", "vendor", "width", "height", "levels", "um_per_px_x", "um_per_px_y",
                                "objective_power", "associated_images", "calibration"])
        XCTAssertEqual(o["kind"], "slide")
        XCTAssertEqual(o["format"], "OpenSlide aperio")
        XCTAssertEqual(o["width"], 2220)
        XCTAssertEqual(o["height"], 2967)
        XCTAssertEqual(o["levels"]?.arrayValue?.count, 1)
        XCTAssertEqual(o["um_per_px_x"], 0.499)
        XCTAssertEqual(o["um_per_px_y"], 0.499)
        XCTAssertEqual(o["objective_power"], 20)
        XCTAssertEqual(o["calibration"]?["source"], "vendor-metadata")
        XCTAssertTrue(o["calibration"]?["detail"]?.stringValue?.hasPrefix("openslide.mpp-x") ?? false)
        let names = o["associated_images"]?.arrayValue?.compactMap { $0["name"]?.stringValue }
        XCTAssertEqual(names?.sorted(), ["label", "macro", "thumbnail"])
        XCTAssertEqual(o["associated_images"]?.arrayValue?.first?["width"], 387)  // sizes only, never pixels
    }

    func testBoxesPyramidIsASlide() throws {
        let path = try wsi("boxes.tiff")
        XCTAssertTrue(SlideInspector().recognizes(path: path, header: try header(path)))
        let slide = try SlideSource(path: path)
        XCTAssertEqual(slide.vendor, "generic-tiff")
        XCTAssertEqual(slide.levels.map { [$0.width, $0.height] }, [[300, 250], [150, 125], [75, 62], [37, 31]])
        XCTAssertEqual(slide.levels[2].downsample, 4.0161, accuracy: 1e-4)
        XCTAssertNil(slide.calibration)
        let o = try SlideInspector().inspect(path: path, options: InspectOptions())
        XCTAssertEqual(o["levels"]?.arrayValue?.count, 4)
        let last = try XCTUnwrap(o["levels"]?.arrayValue?.last)
        XCTAssertEqual(last["level"], 3)
        XCTAssertEqual(last["width"], 37)
        XCTAssertEqual(last["height"], 31)
        XCTAssertEqual(last["downsample"]?.doubleValue ?? 0, 8.0863, accuracy: 1e-4)
        XCTAssertEqual(o["um_per_px_x"], .null)
    }

    func testSmallSVS() throws {
        let path = try wsi("small.svs")
        let slide = try SlideSource(path: path)
        XCTAssertEqual(slide.vendor, "aperio")
        XCTAssertEqual(slide.width, 16)
        XCTAssertEqual(slide.associatedImages.map(\.name), ["thumbnail"])
        XCTAssertEqual(slide.objectivePower, 20)
        XCTAssertEqual(slide.calibration?.umPerPixel ?? 0, 0.499, accuracy: 1e-12)
    }

    func testUnreadableSlideFailsClearly() throws {
        let path = try wsi("unreadable.svs")
        XCTAssertThrowsError(try SlideInspector().inspect(path: path, options: InspectOptions())) { error in
            guard let e = error as? ReticleError else { return XCTFail("not a ReticleError: \(error)") }
            XCTAssertEqual(e.kind, .corrupt)
            XCTAssertEqual(e.file, path)
            XCTAssertEqual(e.reason, "not readable: Bogus marker length")
        }
    }

    func testNonSlidesAreNotRecognized() throws {
        if let dcm = Corpus.path("dicom/CT_small.dcm") {
            XCTAssertFalse(SlideInspector().recognizes(path: dcm, header: try header(dcm)))
            XCTAssertThrowsError(try SlideSource(path: dcm)) { XCTAssertEqual(($0 as? ReticleError)?.kind, .unsupported) }
        }
        // A single-level tiled TIFF is an ordinary image for the image inspector.
        if let tiled = Corpus.path("geotiff/shade.tif") {
            XCTAssertEqual(SlideSource.detectVendor(path: tiled), "generic-tiff")
            XCTAssertFalse(SlideInspector().recognizes(path: tiled, header: try header(tiled)))
        }
    }

    /// Region means against openslide-python's read_region (fully opaque regions only, where
    /// RGB does not depend on how transparency is shown).
    func testReadRegionMatchesOpenSlidePython() throws {
        for name in ["CMU-1-Small-Region.svs", "small.svs"] {
            let path = try wsi(name)
            let expected = try XCTUnwrap(Corpus.expected("wsi/\(name)")?["last_level_region_512_rgba_mean"]?.arrayValue)
            XCTAssertEqual(expected[3].doubleValue, 255)
            let slide = try SlideSource(path: path)
            let top = try XCTUnwrap(slide.levels.last)
            let w = min(top.width, 512), h = min(top.height, 512)
            let image = try slide.readRegion(x: 0, y: 0, level: top.index, width: w, height: h)
            XCTAssertEqual(image.width, w)
            XCTAssertEqual(image.height, h)
            XCTAssertEqual(image.channels, 3)
            XCTAssertEqual(image.sampleType, .uint8)
            XCTAssertEqual(image.calibration?.source, .vendorMetadata)
            let px = image.floatPixels(normalized: false)
            for c in 0..<3 {
                let mean = stride(from: c, to: px.count, by: 3).reduce(0.0) { $0 + Double(px[$1]) } / Double(w * h)
                XCTAssertEqual(mean, try XCTUnwrap(expected[c].doubleValue), accuracy: 0.01, "\(name) channel \(c)")
            }
        }
    }

    func testRegionOutsideTheSlideIsWhiteAndBadRequestsAreUsageErrors() throws {
        let slide = try SlideSource(path: try wsi("boxes.tiff"))
        let outside = try slide.readRegion(x: 10_000, y: 10_000, level: 0, width: 8, height: 4)
        XCTAssertEqual(outside.storage, .uint8([UInt8](repeating: 255, count: 8 * 4 * 3)))
        XCTAssertThrowsError(try slide.readRegion(x: 0, y: 0, level: 9, width: 8, height: 8)) {
            XCTAssertEqual(($0 as? ReticleError)?.kind, .usage)
        }
        XCTAssertThrowsError(try slide.readRegion(x: 0, y: 0, level: 0, width: 1 << 20, height: 1 << 20)) {
            XCTAssertEqual(($0 as? ReticleError)?.kind, .usage)
        }
        XCTAssertThrowsError(try slide.readRegion(x: 0, y: 0, level: 0, width: 0, height: 8))
    }

    func testConcurrentRegionReads() throws {
        let slide = try SlideSource(path: try wsi("CMU-1-Small-Region.svs"))
        let reference = try slide.readRegion(x: 1000, y: 1000, level: 0, width: 256, height: 256)
        let failures = ManagedFailures()
        DispatchQueue.concurrentPerform(iterations: 8) { _ in
            do {
                if try slide.readRegion(x: 1000, y: 1000, level: 0, width: 256, height: 256) != reference {
                    failures.add("region differs")
                }
            } catch {
                failures.add("\(error)")
            }
        }
        XCTAssertEqual(failures.all, [])
    }

    func testPremultipliedARGBToRGB() {
        let argb: [UInt32] = [0xFF10_2030, 0x0000_0000, 0x8040_2010, 0xFF00_0000]
        XCTAssertEqual(SlideSource.rgb(fromPremultipliedARGB: argb),
                       [0x10, 0x20, 0x30, 255, 255, 255, 128, 64, 32, 0, 0, 0])
    }
}
