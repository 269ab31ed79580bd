// `reticle inspect` for images: recognises the four formats by their bytes, reports the
// agreed keys in order, and reads headers only.

import Foundation
import Shared
import TestSupport
import XCTest

final class ImageInspectorTests: XCTestCase {
    var dir: URL!
    override func setUp() { dir = makeTemporaryDirectory("inspect") }
    override func tearDown() { try? FileManager.default.removeItem(at: dir) }

    let keys = ["kind", "format", "width", "height", "channels", "bit_depth", "sample_type", "pages",
                "compression", "layout", "calibration"]

    func testKeysInOrderWithCalibration() throws {
        var image = ImagingFixtures.pattern(width: 20, height: 10, channels: 3, type: .uint16)
        image.calibration = Calibration(umPerPixel: 0.25, source: .flag)
        let p = dir.appendingPathComponent("a.tif").path
        try ImageFile.write(image, to: p, options: ImageWriteOptions(tiffCompression: .lzw, tiffTileSize: 16))
        let o = try ImageInspector().inspect(path: p, options: InspectOptions())
        XCTAssertEqual(o.keys, keys)
        XCTAssertEqual(o["kind"], "image")
        XCTAssertEqual(o["format"], "tiff")
        XCTAssertEqual(o["width"], 20)
        XCTAssertEqual(o["bit_depth"], 16)
        XCTAssertEqual(o["sample_type"], "uint16")
        XCTAssertEqual(o["compression"], "lzw")
        XCTAssertEqual(o["layout"], "tiled")
        let cal = try XCTUnwrap(o["calibration"]?.objectValue)
        XCTAssertEqual(cal.keys, ["um_per_px_x", "um_per_px_y", "source", "detail"])
        XCTAssertEqual(try XCTUnwrap(cal["um_per_px_x"]?.doubleValue), 0.25, accuracy: 1e-9)
        XCTAssertEqual(cal["source"], "tiff-resolution")
    }

    func testNoCalibrationGetsANote() throws {
        let p = dir.appendingPathComponent("b.png").path
        try ImageFile.write(ImagingFixtures.pattern(width: 4, height: 4, channels: 1, type: .uint8), to: p)
        let o = try ImageInspector().inspect(path: p, options: InspectOptions())
        XCTAssertEqual(o.keys, keys + ["calibration_note"])
        XCTAssertEqual(o["calibration"], .null)
        XCTAssertEqual(o["calibration_note"], "none in file")
        XCTAssertEqual(o["layout"], .null)
    }

    func testRecognisesByBytesNotName() throws {
        let inspector = ImageInspector()
        for ext in ["png", "jpg", "tif", "bmp"] {
            let p = dir.appendingPathComponent("x.\(ext)").path
            try ImageFile.write(ImagingFixtures.pattern(width: 4, height: 4, channels: 3, type: .uint8), to: p)
            let renamed = dir.appendingPathComponent("no-extension-\(ext)").path
            try FileManager.default.moveItem(atPath: p, toPath: renamed)
            let header = try FileHeader.read(path: renamed, count: InspectorRegistry.headerLength)
            XCTAssertTrue(inspector.recognizes(path: renamed, header: header), ext)
            XCTAssertEqual(try inspector.inspect(path: renamed, options: InspectOptions())["format"]?.stringValue,
                           ImageFormat(pathExtension: ext)?.rawValue)
        }
        XCTAssertFalse(inspector.recognizes(path: "a.png", header: Array("plain text".utf8)))
    }

    func testHeadersOnly() throws {
        // Pixel data cut away: inspect still answers, read does not.
        let p = dir.appendingPathComponent("c.png").path
        try ImageFile.write(ImagingFixtures.pattern(width: 64, height: 64, channels: 3, type: .uint8), to: p)
        let cut = ImagingFixtures.truncated(p, fraction: 0.5, name: "cut.png", in: dir)
        XCTAssertEqual(try ImageInspector().inspect(path: cut, options: InspectOptions())["width"], 64)
        XCTAssertThrowsError(try ImageFile.read(path: cut))
    }

    func testFormatFromExtension() throws {
        XCTAssertEqual(try ImageFormat.forWriting(path: "/x/a.TIFF"), .tiff)
        XCTAssertEqual(try ImageFormat.forWriting(path: "a.jpeg"), .jpeg)
        XCTAssertThrowsError(try ImageFormat.forWriting(path: "a.gif")) {
            XCTAssertEqual(($0 as? ReticleError)?.file, "a.gif")
        }
    }
}
