// TIFF through ImageFile: every type × layout × compression round-trips, pages and tiles
// work, and hand-built files cover what our writer never makes (separate planes, palettes,
// MinIsWhite, 1-bit, signed samples) and every way a file states its pixel size.

import Foundation
import Shared
import TestSupport
import XCTest

final class TIFFCodecTests: XCTestCase {
    var dir: URL!
    override func setUp() { dir = makeTemporaryDirectory("tiff") }
    override func tearDown() { try? FileManager.default.removeItem(at: dir) }

    private func path(_ name: String) -> String { dir.appendingPathComponent(name).path }

    func testLosslessRoundTripEveryTypeLayoutAndCompression() throws {
        for compression in [ImageWriteOptions.TIFFCompression.none, .lzw, .deflate, .packbits] {
            for type in [SampleType.uint8, .uint16, .float32] {
                for channels in 1...4 {
                    let image = ImagingFixtures.pattern(width: 11, height: 9, channels: channels, type: type)
                    let p = path("\(compression)-\(type)-\(channels).tif")
                    try ImageFile.write(image, to: p, options: ImageWriteOptions(tiffCompression: compression))
                    XCTAssertEqual(try ImageFile.read(path: p), image, "\(compression) \(type) × \(channels)")
                }
            }
        }
        let info = try ImageFile.info(path: path("lzw-uint16-3.tif"))
        XCTAssertEqual(info.compression, "lzw")
        XCTAssertEqual(info.layout, .striped)
        XCTAssertEqual(info.bitDepth, 16)
        XCTAssertEqual(info.sampleType, .uint16)
    }

    func testTiledWriteAndRead() throws {
        // 40×23 with 16-px tiles: partial tiles on the right and bottom edges.
        for type in [SampleType.uint8, .float32] {
            let image = ImagingFixtures.pattern(width: 40, height: 23, channels: 3, type: type)
            let p = path("tiled-\(type).tif")
            try ImageFile.write(image, to: p, options: ImageWriteOptions(tiffCompression: .deflate, tiffTileSize: 16))
            XCTAssertEqual(try ImageFile.read(path: p), image)
            XCTAssertEqual(try ImageFile.info(path: p).layout, .tiled)
        }
        XCTAssertThrowsError(try ImageFile.write(ImagingFixtures.pattern(width: 4, height: 4, channels: 1, type: .uint8),
                                                 to: path("bad.tif"), options: ImageWriteOptions(tiffTileSize: 20)))
    }

    func testJPEGCompressedTIFF() throws {
        for (channels, tile) in [(1, nil), (3, nil), (3, 16)] as [(Int, Int?)] {
            let image = ImagingFixtures.pattern(width: 48, height: 40, channels: channels, type: .uint8)
            let p = path("jpeg-\(channels)-\(tile ?? 0).tif")
            try ImageFile.write(image, to: p, options: ImageWriteOptions(tiffCompression: .jpeg, tiffTileSize: tile, jpegQuality: 95))
            let back = try ImageFile.read(path: p)
            XCTAssertEqual([back.width, back.height, back.channels], [48, 40, channels])
            XCTAssertGreaterThan(ImagingFixtures.psnr(image, back), 35)
            XCTAssertEqual(try ImageFile.info(path: p).compression, "jpeg")
        }
        XCTAssertThrowsError(try ImageFile.write(ImagingFixtures.pattern(width: 8, height: 8, channels: 1, type: .uint16),
                                                 to: path("j16.tif"), options: ImageWriteOptions(tiffCompression: .jpeg)))
    }

    func testMultiPage() throws {
        let pages = [ImagingFixtures.pattern(width: 10, height: 6, channels: 1, type: .uint8, seed: 1),
                     ImagingFixtures.pattern(width: 5, height: 8, channels: 3, type: .uint16, seed: 2),
                     ImagingFixtures.pattern(width: 3, height: 3, channels: 1, type: .float32, seed: 3)]
        let p = path("pages.tif")
        try ImageFile.write(pages: pages, to: p, options: ImageWriteOptions(tiffCompression: .lzw))
        XCTAssertEqual(try ImageFile.pageCount(path: p), 3)
        for (i, page) in pages.enumerated() {
            XCTAssertEqual(try ImageFile.read(path: p, page: i), page, "page \(i)")
            XCTAssertEqual(try ImageFile.info(path: p, page: i).width, page.width)
        }
        XCTAssertEqual(try ImageFile.info(path: p).pages, 3)
        XCTAssertThrowsError(try ImageFile.read(path: p, page: 3)) { error in
            XCTAssertEqual((error as? ReticleError)?.file, p)
        }
    }

    func testCalibrationRoundTrip() throws {
        var image = ImagingFixtures.pattern(width: 6, height: 6, channels: 1, type: .uint16)
        image.calibration = Calibration(umPerPixelX: 0.5, umPerPixelY: 0.4, source: .flag)
        let p = path("cal.tif")
        try ImageFile.write(image, to: p)
        let c = try XCTUnwrap(try ImageFile.read(path: p).calibration)
        XCTAssertEqual(c.umPerPixelX, 0.5, accuracy: 1e-6)
        XCTAssertEqual(c.umPerPixelY, 0.4, accuracy: 1e-6)
        XCTAssertEqual(c.source, .tiffResolution)
        XCTAssertEqual(c.detail, "XResolution=20000 /cm, YResolution=25000 /cm")
    }

    // MARK: - Layouts our writer does not make

    func testSeparatePlanesInterleaveOnRead() throws {
        let r: [UInt8] = [1, 2, 3, 4, 5, 6], g: [UInt8] = [11, 12, 13, 14, 15, 16], b: [UInt8] = [21, 22, 23, 24, 25, 26]
        let tiff = TinyTIFF(width: 3, height: 2, bitsPerSample: [8, 8, 8], photometric: 2, planes: [r, g, b])
        let image = try ImageFile.read(path: tiff.write(name: "planar.tif", in: dir))
        XCTAssertEqual(image.storage, .uint8((0..<6).flatMap { [r[$0], g[$0], b[$0]] }))
    }

    func testPaletteExpandsToRGB() throws {
        var tiff = TinyTIFF(width: 2, height: 2, bitsPerSample: [4], photometric: 3, planes: [[0x01, 0x20]])
        var map = [UInt16](repeating: 0, count: 48)
        map[1] = 0xFFFF; map[16 + 2] = 0x8080; map[32 + 1] = 0x1010  // entry 1: (255, 0, 16), entry 2: (0, 128, 0)
        tiff.tags[320] = .short(map)
        let image = try ImageFile.read(path: tiff.write(name: "palette.tif", in: dir))
        XCTAssertEqual(image.channels, 3)
        XCTAssertEqual(image.storage, .uint8([0, 0, 0, 255, 0, 16, 0, 128, 0, 0, 0, 0]))
    }

    func testMinIsWhiteAndOneBit() throws {
        let white = TinyTIFF(width: 3, height: 1, bitsPerSample: [8], photometric: 0, planes: [[0, 100, 255]])
        XCTAssertEqual(try ImageFile.read(path: white.write(name: "miw.tif", in: dir)).storage, .uint8([255, 155, 0]))
        let bilevel = TinyTIFF(width: 10, height: 1, bitsPerSample: [1], photometric: 1, planes: [[0b1010_0000, 0b0100_0000]])
        let image = try ImageFile.read(path: bilevel.write(name: "bit.tif", in: dir))
        XCTAssertEqual(image.storage, .uint8([255, 0, 255, 0, 0, 0, 0, 0, 0, 255]))
        XCTAssertEqual(try ImageFile.info(path: dir.appendingPathComponent("bit.tif").path).bitDepth, 1)
    }

    func testSignedSamplesKeepTheirValuesAsFloat() throws {
        var tiff = TinyTIFF(width: 3, height: 1, bitsPerSample: [16], photometric: 1,
                            planes: [[0x18, 0xFC, 0x00, 0x00, 0xE8, 0x03]])  // -1000, 0, 1000
        tiff.tags[339] = .short([2])
        let p = tiff.write(name: "int16.tif", in: dir)
        XCTAssertEqual(try ImageFile.read(path: p).storage, .float32([-1000, 0, 1000]))
        XCTAssertEqual(try ImageFile.info(path: p).sampleType, .float32)
    }

    func testCMYKGoesThroughTheRGBAPath() throws {
        // Separated (CMYK) ink: none is white, full cyan is (0, 255, 255).
        let cmyk = TinyTIFF(width: 2, height: 1, bitsPerSample: [8, 8, 8, 8], photometric: 5,
                            planes: [[0, 0, 0, 0, 255, 0, 0, 0]])
        let image = try ImageFile.read(path: cmyk.write(name: "cmyk.tif", in: dir))
        XCTAssertEqual(image.channels, 3)
        XCTAssertEqual(image.storage, .uint8([255, 255, 255, 0, 255, 255]))
    }

    // MARK: - How a file states its pixel size

    private func calibration(resolution: Double?, unit: UInt16?, description: String? = nil) throws -> Calibration? {
        var tiff = TinyTIFF(width: 1, height: 1, bitsPerSample: [8], photometric: 1, planes: [[0]])
        if let r = resolution {
            let rational = (UInt32(r * 1000), UInt32(1000))
            tiff.tags[282] = .rational([rational])
            tiff.tags[283] = .rational([rational])
        }
        if let unit { tiff.tags[296] = .short([unit]) }
        if let description { tiff.tags[270] = .ascii(description) }
        let p = tiff.write(name: "res-\(UUID().uuidString).tif", in: dir)
        let info = try ImageFile.info(path: p)
        XCTAssertEqual(try ImageFile.read(path: p).calibration, info.calibration)
        return info.calibration
    }

    func testResolutionUnits() throws {
        let cm = try XCTUnwrap(try calibration(resolution: 20000, unit: 3))
        XCTAssertEqual(cm.umPerPixel, 0.5, accuracy: 1e-9)
        XCTAssertEqual(cm.source, .tiffResolution)
        XCTAssertEqual(cm.detail, "XResolution=20000 /cm")
        let inch = try XCTUnwrap(try calibration(resolution: 50800, unit: 2))
        XCTAssertEqual(inch.umPerPixel, 0.5, accuracy: 1e-9)
        XCTAssertNil(try calibration(resolution: 20000, unit: 1), "unit none is an aspect ratio")
        XCTAssertNil(try calibration(resolution: nil, unit: 3))
    }

    func testPlaceholderResolutionsAreNotCalibrations() throws {
        XCTAssertNil(try calibration(resolution: 72, unit: 2))
        XCTAssertNil(try calibration(resolution: 1, unit: 2))
        XCTAssertNil(try calibration(resolution: 72, unit: nil), "ResolutionUnit defaults to inch")
    }

    func testImageJDescriptionUnits() throws {
        // ImageJ stores pixels per unit in XResolution, in the description's unit, with ResolutionUnit none.
        for (unit, resolution, expected) in [("micron", 2.0, 0.5), ("um", 4.0, 0.25), ("\\u00B5m", 2.0, 0.5),
                                             ("µm", 2.0, 0.5), ("mm", 1000.0, 1.0), ("nm", 0.5, 0.002)] {
            let c = try XCTUnwrap(try calibration(resolution: resolution, unit: 1,
                                                  description: "ImageJ=1.53t\nunit=\(unit)\nspacing=1.0\n"), unit)
            XCTAssertEqual(c.umPerPixel, expected, accuracy: 1e-9, unit)
            XCTAssertEqual(c.source, .imagejDescription)
        }
        XCTAssertNil(try calibration(resolution: 1, unit: 1, description: "ImageJ=1.53t\nunit=pixel\n"))
    }
}
