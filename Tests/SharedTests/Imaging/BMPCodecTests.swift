// BMP through ImageFile: written gray/RGB/RGBA round-trip exactly; hand-made files cover
// the reader's variants (palette depths, 16-bit, bit fields, top-down, RLE8).

import Foundation
import Shared
import TestSupport
import XCTest

final class BMPCodecTests: XCTestCase {
    var dir: URL!
    override func setUp() { dir = makeTemporaryDirectory("bmp") }
    override func tearDown() { try? FileManager.default.removeItem(at: dir) }

    func testRoundTripGrayRGBAndRGBA() throws {
        for channels in [1, 3, 4] {
            // Odd width exercises row padding.
            var image = ImagingFixtures.pattern(width: 7, height: 5, channels: channels, type: .uint8)
            image.calibration = Calibration(umPerPixel: 2, source: .flag)
            let path = dir.appendingPathComponent("b\(channels).bmp").path
            try ImageFile.write(image, to: path)
            let back = try ImageFile.read(path: path)
            XCTAssertEqual(back.storage, image.storage, "\(channels) channels")
            XCTAssertEqual(back.channels, channels)
            XCTAssertEqual(try XCTUnwrap(back.calibration).umPerPixelX, 2, accuracy: 1e-6)
            let info = try ImageFile.info(path: path)
            XCTAssertEqual([info.width, info.height, info.channels], [7, 5, channels])
            XCTAssertEqual(info.bitDepth, channels == 1 ? 8 : channels * 8)
        }
    }

    /// BITMAPINFOHEADER file with the given pixel rows (already padded), bottom-up unless `height` < 0.
    private func bmp(width: Int, height: Int, bits: Int, compression: Int = 0, palette: [[UInt8]] = [],
                     masks: [UInt32] = [], pixels: [UInt8]) -> [UInt8] {
        func u16(_ v: Int) -> [UInt8] { [UInt8(v & 0xFF), UInt8(v >> 8 & 0xFF)] }
        func u32(_ v: Int) -> [UInt8] { (0..<4).map { UInt8(truncatingIfNeeded: v >> (8 * $0)) } }
        let offset = 14 + 40 + masks.count * 4 + palette.count * 4
        var d: [UInt8] = [0x42, 0x4D] + u32(offset + pixels.count) + u32(0) + u32(offset)
        d += u32(40) + u32(width) + u32(height) + u16(1) + u16(bits) + u32(compression) + u32(pixels.count)
        d += u32(0) + u32(0) + u32(palette.count) + u32(0)
        d += masks.flatMap { u32(Int($0)) }
        d += palette.flatMap { [$0[2], $0[1], $0[0], 0] }
        return d + pixels
    }

    private func read(_ bytes: [UInt8], _ name: String) throws -> Image {
        try ImageFile.read(path: ImagingFixtures.write(bytes, name: name, in: dir))
    }

    func testOneAndFourBitPalettes() throws {
        // 1-bit, 3×2, black/red palette: rows (bottom first) 101, 010.
        let one = try read(bmp(width: 3, height: 2, bits: 1, palette: [[0, 0, 0], [255, 0, 0]],
                               pixels: [0b0100_0000, 0, 0, 0, 0b1010_0000, 0, 0, 0]), "1.bmp")
        XCTAssertEqual(one.channels, 3)
        XCTAssertEqual(one.storage, .uint8([255, 0, 0, 0, 0, 0, 255, 0, 0, 0, 0, 0, 255, 0, 0, 0, 0, 0]))
        // 4-bit gray palette gives a single channel.
        let gray: [[UInt8]] = (0..<16).map { (i: Int) -> [UInt8] in [UInt8](repeating: UInt8(i * 17), count: 3) }
        let four = try read(bmp(width: 3, height: 1, bits: 4, palette: gray, pixels: [0x0F, 0x80, 0, 0]), "4.bmp")
        XCTAssertEqual(four.channels, 1)
        XCTAssertEqual(four.storage, .uint8([0, 255, 136]))
    }

    func testSixteenBitAndBitFieldsAndTopDown() throws {
        // 16-bit 555: pure red (0x7C00) and white (0x7FFF), top-down.
        let rgb555 = try read(bmp(width: 2, height: -1, bits: 16, pixels: [0x00, 0x7C, 0xFF, 0x7F]), "555.bmp")
        XCTAssertEqual(rgb555.storage, .uint8([255, 0, 0, 255, 255, 255]))
        // 16-bit 565 through BI_BITFIELDS: pure green.
        let rgb565 = try read(bmp(width: 1, height: 1, bits: 16, compression: 3, masks: [0xF800, 0x07E0, 0x001F],
                                  pixels: [0xE0, 0x07, 0, 0]), "565.bmp")
        XCTAssertEqual(rgb565.storage, .uint8([0, 255, 0]))
        // 24-bit, two rows bottom-up: the first stored row is the bottom one.
        let rows = try read(bmp(width: 1, height: 2, bits: 24, pixels: [1, 2, 3, 0, 4, 5, 6, 0]), "24.bmp")
        XCTAssertEqual(rows.storage, .uint8([6, 5, 4, 3, 2, 1]))
    }

    func testRLE8() throws {
        let gray: [[UInt8]] = (0..<256).map { (i: Int) -> [UInt8] in [UInt8](repeating: UInt8(i), count: 3) }
        // Bottom row: run of 3 × 9; top row: literal 1 2 3 (padded), then end of bitmap.
        let rle: [UInt8] = [3, 9, 0, 0, 0, 3, 1, 2, 3, 0, 0, 1]
        let image = try read(bmp(width: 3, height: 2, bits: 8, compression: 1, palette: gray, pixels: rle), "rle.bmp")
        XCTAssertEqual(image.storage, .uint8([1, 2, 3, 9, 9, 9]))
        XCTAssertEqual(try ImageFile.info(path: dir.appendingPathComponent("rle.bmp").path).compression, "rle8")
    }
}
