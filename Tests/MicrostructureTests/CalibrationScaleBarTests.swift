// Scale-bar detection on generated micrographs with burned-in bars of known length:
// light and dark bars, labels, boxes, blurred sub-pixel ends, and no false positives.

import Foundation
import Microstructure
import Shared
import XCTest

final class CalibrationScaleBarTests: XCTestCase {
    func testLightBarWithLabelGivesMicronsPerPixelWithinOnePercent() throws {
        // 50 µm at 0.4 µm/px = 125 px, bottom right, white, label above.
        var m = BurnedInMicrograph(seed: 3)
        let bar = m.burnBar(x: 480, y: 440, length: 125, thickness: 6, level: 255)
        let label = m.burnLabel(x: 500, y: 416, level: 255)
        let found = try XCTUnwrap(ScaleBarDetector().detect(in: m.image))
        XCTAssertEqual(found.polarity, .light)
        XCTAssertEqual(found.lengthPx, 125, accuracy: 0.5)
        XCTAssertEqual(found.umPerPixel(lengthUM: 50), 0.4, accuracy: 0.004)
        XCTAssertEqual(found.bar.y, bar.y)
        XCTAssertEqual(found.thicknessPx, 6)
        XCTAssertTrue(found.mask.contains(bar), "mask \(found.mask) covers bar \(bar)")
        XCTAssertTrue(found.mask.contains(label), "mask \(found.mask) covers label \(label)")
        XCTAssertLessThan(found.mask.area, 12 * bar.area, "mask stays near the annotation: \(found.mask)")
    }

    func testDarkBarOnLightMicrograph() throws {
        var m = BurnedInMicrograph(seed: 11)
        let bar = m.burnBar(x: 30, y: 450, length: 200, thickness: 8, level: 0)
        let label = m.burnLabel(x: 60, y: 462, level: 0)  // label below this time
        let found = try XCTUnwrap(ScaleBarDetector().detect(in: m.image))
        XCTAssertEqual(found.polarity, .dark)
        XCTAssertEqual(found.lengthPx, 200, accuracy: 0.5)
        XCTAssertTrue(found.mask.contains(bar))
        XCTAssertTrue(found.mask.contains(label))
    }

    func testBlurredFractionalEndsAreMeasuredToSubPixelPrecision() throws {
        // Ends at 101.3 and 226.6 (edge coordinates): 125.3 px, anti-aliased then blurred, on a
        // plain dark strip so that the background under the ends is known.
        var m = BurnedInMicrograph(seed: 5)
        m.fill(PixelRect(x: 80, y: 20, width: 170, height: 25), level: 30)
        m.burnBar(start: 101.3, end: 226.6, y: 30, thickness: 5, level: 250, blur: true)
        let found = try XCTUnwrap(ScaleBarDetector().detect(in: m.image))
        XCTAssertEqual(found.lengthPx, 125.3, accuracy: 0.1)
        XCTAssertEqual(found.leftEdge + 0.5, 101.3, accuracy: 0.1, "pixel centres are whole numbers")
        // On the textured micrograph itself the ends are still within half a pixel.
        var textured = BurnedInMicrograph(seed: 5)
        textured.burnBar(start: 101.3, end: 226.6, y: 30, thickness: 5, level: 250, blur: true)
        XCTAssertEqual(try XCTUnwrap(ScaleBarDetector().detect(in: textured.image)).lengthPx, 125.3, accuracy: 0.6)
    }

    func testBarOnAPlainBoxMasksTheBox() throws {
        var m = BurnedInMicrograph(seed: 8)
        let box = PixelRect(x: 440, y: 390, width: 180, height: 80)
        m.fill(box, level: 0)
        let bar = m.burnBar(x: 460, y: 450, length: 140, thickness: 5, level: 255)
        m.burnLabel(x: 480, y: 410, level: 255)
        let found = try XCTUnwrap(ScaleBarDetector().detect(in: m.image))
        XCTAssertEqual(found.lengthPx, 140, accuracy: 0.5)
        XCTAssertTrue(found.mask.contains(bar))
        XCTAssertTrue(found.mask.contains(box), "mask \(found.mask) covers the box \(box)")
    }

    func testMicrographsWithoutBarReportNone() {
        for seed: UInt64 in [1, 2, 4, 7, 10] {
            let m = BurnedInMicrograph(seed: seed)
            XCTAssertNil(ScaleBarDetector().detect(in: m.image), "seed \(seed): grain boundaries are not a bar")
        }
        // Fine grains: many more boundaries per row.
        let fine = BurnedInMicrograph(seed: 9, grainArea: 60)
        XCTAssertNil(ScaleBarDetector().detect(in: fine.image))
        // Near-black boundaries: short straight stretches look like thin dark bars (these seeds
        // once fooled the detector).
        var deepEtch = MicrographRenderer()
        deepEtch.boundaryLevel = 15
        for seed: UInt64 in [13, 26, 29] {
            let s = VoronoiStructure(width: 640, height: 480, meanGrainAreaPx: 300, seed: seed)
            XCTAssertNil(ScaleBarDetector().detect(in: deepEtch.render(s.map, seed: seed)), "deep etch, seed \(seed)")
        }
        // A flat image and a horizontal ramp have no bar either.
        let flat = Image(width: 200, height: 100, channels: 1, storage: .uint8(Array(repeating: 128, count: 20000)))
        XCTAssertNil(ScaleBarDetector().detect(in: flat))
        let ramp = Image(width: 200, height: 100, channels: 1, storage: .uint8((0..<20000).map { UInt8(($0 % 200) * 255 / 199) }))
        XCTAssertNil(ScaleBarDetector().detect(in: ramp))
    }

    func testFramesAndTooThickBlocksAreNotBars() {
        var m = BurnedInMicrograph(seed: 6)
        m.fill(PixelRect(x: 0, y: 0, width: m.width, height: 4), level: 0)      // frame edge, full width
        m.fill(PixelRect(x: 100, y: 200, width: 150, height: 45), level: 255)   // a block, not a bar
        XCTAssertNil(ScaleBarDetector().detect(in: m.image))
    }

    func testColourAndSixteenBitImages() throws {
        var m = BurnedInMicrograph(seed: 12)
        m.burnBar(x: 400, y: 420, length: 160, thickness: 4, level: 255)
        let gray = m.image
        let rgb = Image(width: gray.width, height: gray.height, channels: 3,
                        storage: .uint8(gray.floatPixels(normalized: false).flatMap { v in [UInt8(v), UInt8(v), UInt8(v)] }))
        XCTAssertEqual(try XCTUnwrap(ScaleBarDetector().detect(in: rgb)).lengthPx, 160, accuracy: 0.5)
        let deep = gray.converted(to: .uint16)
        XCTAssertEqual(try XCTUnwrap(ScaleBarDetector().detect(in: deep)).lengthPx, 160, accuracy: 0.5)
    }
}

/// A 640×480 gray micrograph of a Voronoi grain structure (no calibration) to burn annotations into.
struct BurnedInMicrograph {
    let width = 640, height = 480
    var pixels: [UInt8]

    init(seed: UInt64, grainArea: Double = 300) {
        let structure = VoronoiStructure(width: width, height: height, meanGrainAreaPx: grainArea, umPerPixel: 0.4, seed: seed)
        let rendered = MicrographRenderer().render(structure.map, seed: seed)
        guard case .uint8(let p) = rendered.storage else { fatalError("renderer gives 8-bit images") }
        pixels = p
    }

    var image: Image { Image(width: width, height: height, channels: 1, storage: .uint8(pixels)) }

    mutating func fill(_ r: PixelRect, level: UInt8) {
        for y in r.y...r.maxY { for x in r.x...r.maxX { pixels[y * width + x] = level } }
    }

    /// A sharp bar covering columns x..<x+length, rows y..<y+thickness.
    @discardableResult
    mutating func burnBar(x: Int, y: Int, length: Int, thickness: Int, level: UInt8) -> PixelRect {
        let r = PixelRect(x: x, y: y, width: length, height: thickness)
        fill(r, level: level)
        return r
    }

    /// A bar from `start` to `end` in edge coordinates (pixel i spans [i, i+1)), end pixels
    /// partly covered; `blur` then smears it with a [¼ ½ ¼] kernel along rows.
    mutating func burnBar(start: Double, end: Double, y: Int, thickness: Int, level: UInt8, blur: Bool) {
        for row in y..<(y + thickness) {
            var line = (0..<width).map { Double(pixels[row * width + $0]) }
            for x in Int(start)...Int(end) {
                let cover = max(0, min(Double(x + 1), end) - max(Double(x), start))
                line[x] = line[x] * (1 - cover) + Double(level) * cover
            }
            if blur {
                let copy = line
                for x in 1..<(width - 1) { line[x] = 0.25 * copy[x - 1] + 0.5 * copy[x] + 0.25 * copy[x + 1] }
            }
            for x in 0..<width { pixels[row * width + x] = UInt8(max(0, min(255, line[x].rounded()))) }
        }
    }

    /// A blocky "50 µm" (seven-segment strokes, 3 px wide, 18 px tall) with its top-left at (x, y).
    @discardableResult
    mutating func burnLabel(x: Int, y: Int, level: UInt8) -> PixelRect {
        // (dx, dy, w, h) strokes per glyph: "5", "0", "µ", "m".
        let glyphs: [[(Int, Int, Int, Int)]] = [
            [(0, 0, 10, 3), (0, 0, 3, 9), (0, 7, 10, 3), (7, 7, 3, 11), (0, 15, 10, 3)],
            [(0, 0, 10, 3), (0, 0, 3, 18), (7, 0, 3, 18), (0, 15, 10, 3)],
            [(0, 6, 3, 12), (7, 6, 3, 9), (0, 12, 10, 3)],
            [(0, 6, 3, 12), (0, 6, 14, 3), (6, 6, 3, 12), (12, 6, 3, 12)],
        ]
        var box = PixelRect(x: x, y: y, width: 1, height: 1)
        var cursor = x
        for (i, glyph) in glyphs.enumerated() {
            if i == 2 { cursor += 6 }  // the space before the unit
            for (dx, dy, w, h) in glyph {
                let r = PixelRect(x: cursor + dx, y: y + dy, width: w, height: h)
                fill(r, level: level)
                box = box.union(r)
            }
            cursor += (glyph.map { $0.0 + $0.2 }.max() ?? 10) + 4
        }
        return box
    }
}
