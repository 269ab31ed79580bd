// ENVI write → EnviReader round trips in every interleave and type, with map info,
// wavelengths and no-data; and map info surviving ENVI → GeoTIFF → ENVI.

import Foundation
@testable import Remote
import Shared
import TestSupport
import XCTest

final class EnviWriterTests: XCTestCase {
    func testRoundTripEveryInterleaveAndType() throws {
        let dir = makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        var n = 0
        for type in [CubeSampleType.uint8, .int16, .uint16, .int32, .uint32, .float32, .float64] {
            for interleave in EnviWriteOptions.Interleave.allCases {
                n += 1
                var cube = GeoTIFFTests.sampleCube(samples: 7, lines: 5, bands: 4, type: type, seed: UInt64(n))
                cube.wavelengths = [400.5, 500, 600.25, 1000]
                cube.wavelengthUnits = "Nanometers"
                let path = dir.appendingPathComponent("cube\(n).img").path
                let header = try EnviWriter.write(cube, to: path, options: EnviWriteOptions(interleave: interleave))
                XCTAssertEqual(header, dir.appendingPathComponent("cube\(n).hdr").path)
                let back = try EnviReader.read(header)
                let what = "\(type) \(interleave)"
                XCTAssertEqual(back.values, cube.values, what)
                XCTAssertEqual(back.sourceType, type, what)
                XCTAssertEqual(back.wavelengths, cube.wavelengths, what)
                XCTAssertEqual(back.wavelengthUnits, "Nanometers", what)
                XCTAssertEqual(back.mapInfo, cube.mapInfo, what)
                XCTAssertEqual(back.noDataValue, -9999, what)
                XCTAssertEqual(try EnviHeader.read(path: header).interleave(), interleave.rawValue, what)
            }
        }
    }

    func testMapInfoSurvivesGeoTIFFAndBack() throws {
        let dir = makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let cube = GeoTIFFTests.sampleCube(samples: 6, lines: 4, bands: 2, type: .float32, seed: 9)
        let tif = dir.appendingPathComponent("c.tif").path
        try GeoTIFFWriter.write(cube, to: tif)
        let fromTiff = try GeoTIFFReader.read(tif)
        let img = dir.appendingPathComponent("c.img").path
        try EnviWriter.write(fromTiff, to: img)
        let back = try EnviReader.read(img)
        XCTAssertEqual(back.mapInfo, cube.mapInfo)
        XCTAssertEqual(back.values, cube.values)
        XCTAssertEqual(back.geoTransform, cube.geoTransform)
    }

    func testLabelRastersFromGeoTIFFAndENVIClassification() throws {
        let dir = makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let scene = try FusionSceneGenerator(samples: 16, lines: 12, bands: 3, seed: 4).write(to: dir)
        let tif = try LabelRaster.read(dir.appendingPathComponent("labels.tif").path)
        let envi = try LabelRaster.read(dir.appendingPathComponent("labels.hdr").path)
        XCTAssertEqual(tif.labels, scene.labels)
        XCTAssertEqual(envi.labels, scene.labels)
        XCTAssertEqual(tif.names, ["class 1", "class 2", "class 3", "class 4"])
        XCTAssertEqual(envi.names, FusionSceneGenerator.classNames)
        XCTAssertEqual(envi.counts.reduce(0, +), 16 * 12)
        XCTAssertEqual(envi.transform, tif.transform)
    }

    func testHeaderPathIsRefusedAsTheDataFile() throws {
        let cube = HyperspectralCube(samples: 1, lines: 1, bands: 1, values: [1])
        RemoteFixture.assertFails(naming: "x.hdr", { try EnviWriter.write(cube, to: "/tmp/x.hdr") })
    }
}
