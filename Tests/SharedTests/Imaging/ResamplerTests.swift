// Resampling to a physical scale: exact area means when shrinking, bilinear when enlarging,
// calibration carried along, and a clear error when there is no scale to start from.

import Foundation
import Shared
import TestSupport
import XCTest

final class ResamplerTests: XCTestCase {
    func testHalvingGivesExactAreaMeans() throws {
        // 4×4 with 2 channels; each 2×2 block's mean is known.
        var values = [Float]()
        for y in 0..<4 { for x in 0..<4 { values += [Float(y * 4 + x), Float(100 - (y * 4 + x) * 2)] } }
        let image = Image(width: 4, height: 4, channels: 2, storage: .float32(values),
                          calibration: Calibration(umPerPixel: 0.5, source: .tiffResolution, detail: "XResolution=20000 /cm"))
        let half = try Resampler.resample(image, toMicronsPerPixel: 1.0)
        XCTAssertEqual([half.width, half.height, half.channels], [2, 2, 2])
        // Block (0,0) holds 0 1 4 5 → 2.5; second channel 100 − 2·value → 95.
        XCTAssertEqual(half.storage, .float32([2.5, 95, 4.5, 91, 10.5, 79, 12.5, 75]))
        let c = try XCTUnwrap(half.calibration)
        XCTAssertEqual(c.umPerPixelX, 1.0)
        XCTAssertEqual(c.source, .tiffResolution)
        XCTAssertEqual(c.detail, "XResolution=20000 /cm; resampled from 0.5 µm/px")
    }

    func testIntegerImagesKeepTheirType() throws {
        let image = Image(width: 4, height: 2, channels: 1, storage: .uint8([0, 2, 10, 20, 4, 6, 30, 40]),
                          calibration: Calibration(umPerPixel: 1, source: .flag))
        let half = try Resampler.resample(image, width: 2, height: 1)
        XCTAssertEqual(half.storage, .uint8([3, 25]))
        XCTAssertEqual(half.calibration?.umPerPixelX, 2)
        XCTAssertEqual(half.calibration?.detail, "resampled from 1 µm/px")
        let asFloat = try Resampler.resample(image, width: 2, height: 1, sampleType: .float32)
        XCTAssertEqual(asFloat.storage, .float32([3, 25]))
        // The mean, 14, rescaled from 8 to 16 bits (×257).
        XCTAssertEqual(try Resampler.resample(image, width: 1, height: 1, sampleType: .uint16).storage, .uint16([3598]))
    }

    func testAreaAveragingKeepsTheMeanAtAnyFactor() throws {
        let image = ImagingFixtures.pattern(width: 37, height: 23, channels: 3, type: .float32)
        let small = try Resampler.resample(image, width: 10, height: 7)
        let mean = { (i: Image) -> [Double] in
            let v = i.floatPixels()
            return (0..<3).map { c in stride(from: c, to: v.count, by: 3).reduce(0.0) { $0 + Double(v[$1]) } / Double(v.count / 3) }
        }
        for (a, b) in zip(mean(small), mean(image)) { XCTAssertEqual(a, b, accuracy: 1e-3 * abs(b)) }
    }

    func testEnlargingIsBilinear() throws {
        let ramp = Image(width: 2, height: 1, channels: 1, storage: .float32([0, 8]))
        let wide = try Resampler.resample(ramp, width: 4, height: 1)
        XCTAssertEqual(wide.storage, .float32([0, 2, 6, 8]))
        let flat = Image(width: 3, height: 2, channels: 1, storage: .uint16([700, 700, 700, 700, 700, 700]))
        XCTAssertEqual(try Resampler.resample(flat, width: 7, height: 5).storage, .uint16([UInt16](repeating: 700, count: 35)))
    }

    func testCalibrationIsNeededForAPhysicalTarget() {
        let image = ImagingFixtures.pattern(width: 8, height: 8, channels: 1, type: .uint8)
        XCTAssertThrowsError(try Resampler.resample(image, toMicronsPerPixel: 1)) {
            XCTAssertEqual(($0 as? ReticleError)?.kind, .calibration)
        }
        XCTAssertThrowsError(try Resampler.resample(image, width: 0, height: 3)) {
            XCTAssertEqual(($0 as? ReticleError)?.kind, .usage)
        }
    }

    func testNonSquarePixelsBecomeSquare() throws {
        let image = Image(width: 10, height: 10, channels: 1, sampleType: .float32,
                          calibration: Calibration(umPerPixelX: 1, umPerPixelY: 2, source: .flag))
        let out = try Resampler.resample(image, toMicronsPerPixel: 2)
        XCTAssertEqual([out.width, out.height], [5, 10])
        XCTAssertEqual(out.calibration?.umPerPixelX, 2)
        XCTAssertEqual(out.calibration?.umPerPixelY, 2)
        XCTAssertEqual(out.calibration?.detail, "resampled from 1×2 µm/px")
    }
}
