// Binary erosion, dilation, opening and closing with a square structuring element: separable,
// so each costs two passes of running counts whatever the radius.

import Foundation

public enum Morphology {
    /// Every pixel within `radius` (Chebyshev distance) of a set pixel becomes set.
    public static func dilate(_ m: BinaryMask, radius: Int) -> BinaryMask {
        guard radius > 0 else { return m }
        return pass(pass(m, radius: radius, horizontal: true, any: true), radius: radius, horizontal: false, any: true)
    }

    /// A pixel stays set only when every pixel within `radius` is set (outside the mask counts as clear).
    public static func erode(_ m: BinaryMask, radius: Int) -> BinaryMask {
        guard radius > 0 else { return m }
        return pass(pass(m, radius: radius, horizontal: true, any: false), radius: radius, horizontal: false, any: false)
    }

    /// Erosion then dilation: removes specks narrower than the element.
    public static func open(_ m: BinaryMask, radius: Int) -> BinaryMask { dilate(erode(m, radius: radius), radius: radius) }

    /// Dilation then erosion: closes gaps narrower than the element.
    public static func close(_ m: BinaryMask, radius: Int) -> BinaryMask { erode(dilate(m, radius: radius), radius: radius) }

    private static func pass(_ m: BinaryMask, radius r: Int, horizontal: Bool, any: Bool) -> BinaryMask {
        let lines = horizontal ? m.height : m.width, length = horizontal ? m.width : m.height
        var out = m
        for line in 0..<lines {
            func idx(_ i: Int) -> Int { horizontal ? line * m.width + i : i * m.width + line }
            // Running count of set pixels in [i - r, i + r].
            var count = 0
            for i in 0..<min(r, length) where m.bits[idx(i)] { count += 1 }
            for i in 0..<length {
                let enter = i + r, leave = i - r - 1
                if enter < length, m.bits[idx(enter)] { count += 1 }
                if leave >= 0, m.bits[idx(leave)] { count -= 1 }
                let window = min(length - 1, i + r) - max(0, i - r) + 1
                // Erosion treats outside as clear: a window cut by the edge is never all set.
                let full = window == 2 * r + 1 && count == window
                out.bits[idx(i)] = any ? count > 0 : full
            }
        }
        return out
    }
}
