// The classification map as an RGB image with a legend: one colour per class (unlabelled black),
// and beside the map a column of swatches each numbered with its class (digits drawn from a
// 3 × 5 pixel font, so no font library is needed); the names are in legend.json and the report.

import Foundation
import Shared

public enum ClassMapImage {
    /// Distinct colours (Tableau 20 order); classes beyond 20 reuse them.
    static let palette: [(UInt8, UInt8, UInt8)] = [
        (31, 119, 180), (255, 127, 14), (44, 160, 44), (214, 39, 40), (148, 103, 189), (140, 86, 75),
        (227, 119, 194), (127, 127, 127), (188, 189, 34), (23, 190, 207), (174, 199, 232), (255, 187, 120),
        (152, 223, 138), (255, 152, 150), (197, 176, 213), (196, 156, 148), (247, 182, 210), (199, 199, 199),
        (219, 219, 141), (158, 218, 229),
    ]

    public static func colour(_ k: Int) -> (UInt8, UInt8, UInt8) { k <= 0 ? (0, 0, 0) : palette[(k - 1) % palette.count] }

    public static func hex(_ k: Int) -> String {
        let c = colour(k)
        return String(format: "#%02x%02x%02x", c.0, c.1, c.2)
    }

    /// Rows of the digits 0–9, 3 bits wide, top row first.
    static let digits: [[UInt8]] = [
        [7, 5, 5, 5, 7], [2, 6, 2, 2, 7], [7, 1, 7, 4, 7], [7, 1, 7, 1, 7], [5, 5, 7, 1, 1],
        [7, 4, 7, 1, 7], [7, 4, 7, 5, 7], [7, 1, 1, 1, 1], [7, 5, 7, 5, 7], [7, 5, 7, 1, 7],
    ]

    /// `classes` is lines × samples, 0 = unlabelled, k = class k.
    public static func render(classes: [Int], samples: Int, lines: Int, classCount: Int) -> Image {
        let scale = 2, swatch = 14, gap = 4
        let legendWidth = swatch + gap + 4 * 3 * scale + 2 * gap
        let legendHeight = classCount * (swatch + gap) + gap
        let width = samples + legendWidth, height = max(lines, legendHeight)
        var px = [UInt8](repeating: 255, count: width * height * 3)
        func put(_ x: Int, _ y: Int, _ c: (UInt8, UInt8, UInt8)) {
            let o = (y * width + x) * 3
            px[o] = c.0; px[o + 1] = c.1; px[o + 2] = c.2
        }
        for l in 0..<lines { for s in 0..<samples { put(s, l, colour(classes[l * samples + s])) } }
        for k in 1...max(classCount, 1) where k <= classCount {
            let top = gap + (k - 1) * (swatch + gap), left = samples + gap
            for y in top..<(top + swatch) { for x in left..<(left + swatch) { put(x, y, colour(k)) } }
            // The class number, right of the swatch, vertically centred.
            var x0 = left + swatch + gap
            let y0 = top + (swatch - 5 * scale) / 2
            for ch in String(k) {
                let glyph = digits[Int(String(ch))!]
                for (row, bits) in glyph.enumerated() {
                    for col in 0..<3 where bits & (4 >> col) != 0 {
                        for dy in 0..<scale { for dx in 0..<scale { put(x0 + col * scale + dx, y0 + row * scale + dy, (0, 0, 0)) } }
                    }
                }
                x0 += 4 * scale
            }
        }
        return Image(width: width, height: height, channels: 3, storage: .uint8(px))
    }
}
