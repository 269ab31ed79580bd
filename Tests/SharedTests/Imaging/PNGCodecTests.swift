// PNG through ImageFile: every bit depth × channel layout round-trips exactly; pHYs carries calibration.

import Foundation
import Shared
import TestSupport
import XCTest

final class PNGCodecTests: XCTestCase {
    var dir: URL!
    override func setUp() { dir = makeTemporaryDirectory("png") }
    override func tearDown() { try? FileManager.default.removeItem(at: dir) }

    func testRoundTripEveryDepthAndLayout() throws {
        for type in [SampleType.uint8, .uint16] {
            for channels in 1...4 {
                let image = ImagingFixtures.pattern(width: 13, height: 7, channels: channels, type: type)
                let path = dir.appendingPathComponent("p\(type)\(channels).png").path
                try ImageFile.write(image, to: path)
                XCTAssertEqual(try ImageFile.read(path: path), image, "\(type) × \(channels)")
                let info = try ImageFile.info(path: path)
                XCTAssertEqual(info.format, .png)
                XCTAssertEqual([info.width, info.height, info.channels, info.bitDepth],
                               [13, 7, channels, type.bitDepth])
                XCTAssertEqual(info.sampleType, type)
                XCTAssertEqual(info.pages, 1)
                XCTAssertNil(info.calibration)
            }
        }
    }

    func testCalibrationRoundTripThroughPHYs() throws {
        var image = ImagingFixtures.pattern(width: 8, height: 8, channels: 3, type: .uint8)
        image.calibration = Calibration(umPerPixelX: 0.5, umPerPixelY: 0.25, source: .flag)
        let path = dir.appendingPathComponent("cal.png").path
        try ImageFile.write(image, to: path)
        let c = try XCTUnwrap(try ImageFile.read(path: path).calibration)
        XCTAssertEqual(c.umPerPixelX, 0.5, accuracy: 1e-9)
        XCTAssertEqual(c.umPerPixelY, 0.25, accuracy: 1e-9)
        XCTAssertEqual(c.source, .vendorMetadata)
        XCTAssertEqual(c.detail, "PNG pHYs")
        XCTAssertEqual(try ImageFile.info(path: path).calibration, c)
    }

    func testPlaceholderResolutionIsNotACalibration() throws {
        // 72 dpi = 2835 px/m, what editors write by default.
        var image = ImagingFixtures.pattern(width: 4, height: 4, channels: 1, type: .uint8)
        image.calibration = Calibration(umPerPixel: 25400.0 / 72, source: .flag)
        let path = dir.appendingPathComponent("dpi72.png").path
        try ImageFile.write(image, to: path)
        XCTAssertNil(try ImageFile.read(path: path).calibration)
    }

    func testFloatImagesAreRefusedWithAReason() {
        let image = ImagingFixtures.pattern(width: 4, height: 4, channels: 1, type: .float32)
        let path = dir.appendingPathComponent("f.png").path
        XCTAssertThrowsError(try ImageFile.write(image, to: path)) { error in
            let e = error as? ReticleError
            XCTAssertEqual(e?.kind, .usage)
            XCTAssertEqual(e?.file, path)
        }
        XCTAssertFalse(FileManager.default.fileExists(atPath: path))
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: dir.path), [], "no temp file left behind")
    }
}
