// A two-valued image (tissue/not, boundary/not): the input and output of morphology and
// connected components, with its own small PNG form for thumbnails.

import Foundation

public struct BinaryMask: Equatable, Sendable {
    public let width: Int
    public let height: Int
    /// Row-major, `width × height`.
    public var bits: [Bool]

    public init(width: Int, height: Int, bits: [Bool]) {
        precondition(width >= 0 && height >= 0 && bits.count == width * height, "mask holds \(bits.count) values, expected \(width)×\(height)")
        self.width = width
        self.height = height
        self.bits = bits
    }

    public init(width: Int, height: Int, fill: Bool = false) {
        self.init(width: width, height: height, bits: Array(repeating: fill, count: width * height))
    }

    public subscript(x: Int, y: Int) -> Bool {
        get { bits[y * width + x] }
        set { bits[y * width + x] = newValue }
    }

    public var count: Int { bits.reduce(0) { $0 + ($1 ? 1 : 0) } }

    /// The fraction of set pixels in the rectangle (clipped to the mask); 0 when it misses the mask.
    public func fraction(x: Int, y: Int, width w: Int, height h: Int) -> Double {
        let x0 = max(0, x), y0 = max(0, y), x1 = min(width, x + w), y1 = min(height, y + h)
        guard x1 > x0, y1 > y0 else { return 0 }
        var n = 0
        for yy in y0..<y1 { for xx in x0..<x1 where bits[yy * width + xx] { n += 1 } }
        return Double(n) / Double((x1 - x0) * (y1 - y0))
    }

    public static func & (a: BinaryMask, b: BinaryMask) -> BinaryMask {
        precondition(a.width == b.width && a.height == b.height, "mask sizes differ")
        return BinaryMask(width: a.width, height: a.height, bits: zip(a.bits, b.bits).map { $0 && $1 })
    }

    public var inverted: BinaryMask { BinaryMask(width: width, height: height, bits: bits.map { !$0 }) }

    /// 8-bit gray image: 255 set, 0 clear (for PNG thumbnails).
    public var image: Image {
        Image(width: width, height: height, channels: 1, storage: .uint8(bits.map { $0 ? 255 : 0 }))
    }
}
