// JPEG through ImageFile: gray and RGB at quality 95 stay above 35 dB; density carries calibration.

import Foundation
import Shared
import TestSupport
import XCTest

final class JPEGCodecTests: XCTestCase {
    var dir: URL!
    override func setUp() { dir = makeTemporaryDirectory("jpeg") }
    override func tearDown() { try? FileManager.default.removeItem(at: dir) }

    func testGrayAndRGBAtQuality95() throws {
        for channels in [1, 3] {
            let image = ImagingFixtures.pattern(width: 40, height: 24, channels: channels, type: .uint8)
            let path = dir.appendingPathComponent("q\(channels).jpg").path
            try ImageFile.write(image, to: path, options: ImageWriteOptions(jpegQuality: 95))
            let back = try ImageFile.read(path: path)
            XCTAssertEqual([back.width, back.height, back.channels], [40, 24, channels])
            XCTAssertEqual(back.sampleType, .uint8)
            XCTAssertGreaterThan(ImagingFixtures.psnr(image, back), 35, "\(channels) channels")
            let info = try ImageFile.info(path: path)
            XCTAssertEqual(info.format, .jpeg)
            XCTAssertEqual(info.compression, "jpeg")
        }
    }

    func testLowQualityIsSmaller() throws {
        let image = ImagingFixtures.pattern(width: 64, height: 64, channels: 3, type: .uint8)
        let hi = dir.appendingPathComponent("hi.jpeg").path, lo = dir.appendingPathComponent("lo.jpeg").path
        try ImageFile.write(image, to: hi, options: ImageWriteOptions(jpegQuality: 95))
        try ImageFile.write(image, to: lo, options: ImageWriteOptions(jpegQuality: 20))
        let size = { (p: String) in (try FileManager.default.attributesOfItem(atPath: p)[.size] as? Int) ?? 0 }
        XCTAssertLessThan(try size(lo), try size(hi))
    }

    func testCalibrationRoundTripThroughDensity() throws {
        var image = ImagingFixtures.pattern(width: 16, height: 16, channels: 1, type: .uint8)
        image.calibration = Calibration(umPerPixel: 0.5, source: .instrumentProfile)
        let path = dir.appendingPathComponent("cal.jpg").path
        try ImageFile.write(image, to: path)
        let c = try XCTUnwrap(try ImageFile.read(path: path).calibration)
        XCTAssertEqual(c.umPerPixelX, 0.5, accuracy: 1e-9)
        XCTAssertEqual(c.source, .vendorMetadata)
    }

    func testWithoutDensityThereIsNoCalibration() throws {
        let path = dir.appendingPathComponent("plain.jpg").path
        try ImageFile.write(ImagingFixtures.pattern(width: 8, height: 8, channels: 3, type: .uint8), to: path)
        XCTAssertNil(try ImageFile.info(path: path).calibration)
    }

    func testAlphaAnd16BitAreRefused() {
        for image in [ImagingFixtures.pattern(width: 4, height: 4, channels: 4, type: .uint8),
                      ImagingFixtures.pattern(width: 4, height: 4, channels: 1, type: .uint16)] {
            XCTAssertThrowsError(try ImageFile.write(image, to: dir.appendingPathComponent("x.jpg").path)) {
                XCTAssertEqual(($0 as? ReticleError)?.kind, .usage)
            }
        }
    }
}
