// Finding a burned-in scale bar: a solid horizontal bar, near white or near black, that
// stands out from its surroundings; measured end to end at half maximum, so blurred or
// anti-aliased ends still give a sub-pixel length. Also finds the bar's label and any
// plain box behind them, so that analysis can leave the whole annotation out.

import Foundation
import Shared

public struct ScaleBarDetector: Sendable {
    /// Bar thickness in rows.
    public var thickness: ClosedRange<Int> = 2...30
    /// Shortest bar as a fraction of the image width (and never under 8 px), in the top and
    /// bottom strips where microscope software puts bars.
    public var minLengthFraction = 0.03
    /// Shortest bar elsewhere, and shortest two-row bar anywhere: a short thin dark dash is far
    /// more often a straight stretch of a deeply etched grain boundary than a bar.
    public var minLengthFractionUnusual = 0.06
    /// Longest bar as a fraction of the width: longer solid lines are frames and rulers.
    public var maxLengthFraction = 0.6
    /// Least difference between bar and surround, in 0...1 of full scale.
    public var minContrast = 0.15
    /// How far from full white (or black) a bar's mean level may be, in 0...1 of full scale.
    /// Software draws bars at the extremes; grain boundaries, even deeply etched ones, rarely get there.
    public var nearExtreme = 0.18

    public init() {}

    /// The most convincing bar, or nil when the image has none.
    public func detect(in image: Image) -> ScaleBar? { candidates(in: image).first }

    /// Every bar-shaped object, best first: bars in the top or bottom strip (where microscope
    /// software puts them) and with more contrast rank higher.
    public func candidates(in image: Image) -> [ScaleBar] {
        guard image.width >= 32, image.height >= 8 else { return [] }
        let plane = Plane(image)
        var found: [(bar: ScaleBar, score: Double)] = []
        for polarity in ScaleBar.Polarity.allCases {
            let extreme = polarity == .light ? plane.maximum : plane.minimum
            let span = abs(extreme - plane.median)
            guard Double(span) >= minContrast else { continue }
            // A quarter of the way from the extreme towards the typical level: annotation is drawn at
            // (or very near) full white or black, specimen detail rarely reaches it.
            let level = polarity == .light ? extreme - 0.25 * span : extreme + 0.25 * span
            let test = Threshold(polarity: polarity, level: level)
            for rows in rowGroups(plane, test) {
                if let bar = measure(rows, plane, test) {
                    let cy = Double(bar.bar.y) + Double(bar.bar.height) / 2
                    let inStrip = cy >= 0.75 * Double(plane.height) || cy <= 0.2 * Double(plane.height)
                    let unusual = !inStrip || bar.thicknessPx <= 2
                    if unusual && Double(bar.bar.width) < minLengthFractionUnusual * Double(plane.width) { continue }
                    found.append((bar, bar.contrast * (inStrip ? 1.5 : 1)))
                }
            }
        }
        return found.sorted { $0.score > $1.score }.map(\.bar)
    }

    // MARK: - Finding bar-shaped row groups

    /// Long runs in consecutive rows whose ends line up (±3 px: blur rounds the corners).
    func rowGroups(_ plane: Plane, _ test: Threshold) -> [[Run]] {
        let minLength = max(8, Int((minLengthFraction * Double(plane.width)).rounded(.up)))
        var open: [[Run]] = []
        var closed: [[Run]] = []
        for y in 0..<plane.height {
            var next: [[Run]] = []
            var continued = Set<Int>()
            for run in runs(plane, row: y, test, minLength: minLength) {
                if let g = open.indices.first(where: { !continued.contains($0)
                    && abs(open[$0].last!.x0 - run.x0) <= 3 && abs(open[$0].last!.x1 - run.x1) <= 3 }) {
                    continued.insert(g)
                    next.append(open[g] + [run])
                } else {
                    next.append([run])
                }
            }
            for (i, g) in open.enumerated() where !continued.contains(i) { closed.append(g) }
            open = next
        }
        return closed + open
    }

    private func runs(_ plane: Plane, row y: Int, _ test: Threshold, minLength: Int) -> [Run] {
        var out: [Run] = []
        var start = -1
        let base = y * plane.width
        for x in 0...plane.width {
            let on = x < plane.width && test.passes(plane.pixels[base + x])
            if on, start < 0 { start = x }
            if !on, start >= 0 {
                if x - start >= minLength { out.append(Run(y: y, x0: start, x1: x - 1)) }
                start = -1
            }
        }
        return out
    }

    // MARK: - Checking and measuring one candidate

    func measure(_ group: [Run], _ plane: Plane, _ test: Threshold) -> ScaleBar? {
        let w = plane.width, h = plane.height
        guard thickness.contains(group.count) else { return nil }
        let x0 = Self.median(group.map(\.x0)), x1 = Self.median(group.map(\.x1))
        let y0 = group.first!.y, y1 = group.last!.y
        let length = x1 - x0 + 1
        guard Double(length) <= maxLengthFraction * Double(w), length >= 4 * group.count,
              Double(length) >= minLengthFraction * Double(w) else { return nil }
        // The half-maximum needs background beyond both ends.
        guard x0 >= 4, x1 <= w - 5 else { return nil }
        // Real top and bottom edges: the rows just outside are mostly not bar.
        for y in [y0 - 1, y1 + 1] where y >= 0 && y < h {
            let on = (x0...x1).filter { test.passes(plane[$0, y]) }.count
            if Double(on) >= 0.5 * Double(length) { return nil }
        }
        // Outermost rows of a thick bar may be partly covered; the ends are measured inside.
        let inner = group.count >= 4 ? (y0 + 1)...(y1 - 1) : y0...y1
        let sign: Float = test.polarity == .light ? 1 : -1
        let barMean = plane.mean(xs: (x0 + 1)...(x1 - 1), ys: inner)
        let fromExtreme = test.polarity == .light ? 1 - barMean : barMean
        guard Double(fromExtreme) <= nearExtreme else { return nil }
        let flankRows = Array(max(0, y0 - 4)...max(0, y0 - 2)).filter { $0 < y0 - 1 }
            + Array(min(h - 1, y1 + 2)...min(h - 1, y1 + 4)).filter { $0 > y1 + 1 }
        guard !flankRows.isEmpty else { return nil }
        let flankMean = flankRows.map { plane.mean(xs: x0...x1, ys: $0...$0) }.reduce(0, +) / Float(flankRows.count)
        let contrast = Double(sign * (barMean - flankMean))
        guard contrast >= minContrast else { return nil }

        // Profile along the bar, averaged over its inner rows, sign-flipped so the bar is high.
        let px0 = max(0, x0 - 12), px1 = min(w - 1, x1 + 12)
        var profile = [Float](repeating: 0, count: px1 - px0 + 1)
        for x in px0...px1 { profile[x - px0] = sign * plane.mean(xs: x...x, ys: inner) }
        let q = { (x: Int) in profile[x - px0] }
        let barLevel = Self.median((x0 + 1...x1 - 1).map(q))
        let leftBg = Self.median((max(px0, x0 - 8)...(x0 - 3)).map(q))
        let rightBg = Self.median(((x1 + 3)...min(px1, x1 + 8)).map(q))
        guard Double(barLevel - leftBg) >= minContrast / 2, Double(barLevel - rightBg) >= minContrast / 2 else { return nil }
        // Half-maximum crossings, walking out from just inside each end.
        let halfLeft = (barLevel + leftBg) / 2, halfRight = (barLevel + rightBg) / 2
        guard let leftEdge = Self.crossing(q, from: min(x0 + 2, x1), step: -1, limit: max(px0, x0 - 6), level: halfLeft),
              let rightEdge = Self.crossing(q, from: max(x1 - 2, x0), step: 1, limit: min(px1, x1 + 6), level: halfRight)
        else { return nil }

        let bar = PixelRect(x0: x0, y0: y0, x1: x1, y1: y1)
        let mask = annotationMask(bar: bar, plane, test)
        return ScaleBar(polarity: test.polarity, bar: bar, leftEdge: leftEdge, rightEdge: rightEdge,
                        mask: mask, contrast: contrast)
    }

    // MARK: - Label and box

    /// The bar plus its label (blobs of bar-coloured pixels stacked just above or below it) plus
    /// a plain box behind them, padded and clipped to the image.
    func annotationMask(bar: PixelRect, _ plane: Plane, _ test: Threshold) -> PixelRect {
        let w = plane.width, h = plane.height
        let reachY = max(3 * bar.height, Int(0.08 * Double(h)), 12)
        let reachX = bar.width / 4
        let window = PixelRect(x0: bar.x - reachX, y0: bar.y - reachY, x1: bar.maxX + reachX, y1: bar.maxY + reachY)
            .clipped(width: w, height: h)
        var rect = bar
        let blobs = Self.blobs(in: window, plane, test)
            .filter { $0.count >= 6 && $0.box.height <= reachY && $0.box.width <= bar.width + 2 * reachX }
        let gap = max(2 * bar.height, 10, Int(0.02 * Double(h)))
        var taken = [Bool](repeating: false, count: blobs.count)
        var grew = true
        while grew {
            grew = false
            for (k, blob) in blobs.enumerated() where !taken[k] {
                let verticalGap = max(blob.box.y - rect.maxY, rect.y - blob.box.maxY, 0)
                let overlapsX = blob.box.x <= rect.maxX + reachX && blob.box.maxX >= rect.x - reachX
                if verticalGap <= gap && overlapsX {
                    rect = rect.union(blob.box)
                    taken[k] = true
                    grew = true
                }
            }
        }
        rect = growIntoBox(rect, bar: bar, plane, test)
        let pad = max(3, bar.height / 2 + 2)
        return rect.padded(dx: pad, dy: pad).clipped(width: w, height: h)
    }

    /// When the bar sits on a plain box (a uniform level unlike the micrograph), the box is
    /// annotation too: grow the mask while its new edge is still box or label.
    private func growIntoBox(_ start: PixelRect, bar: PixelRect, _ plane: Plane, _ test: Threshold) -> PixelRect {
        let w = plane.width, h = plane.height
        var flank: [Float] = []
        for y in [bar.y - 2, bar.maxY + 2] where y >= 0 && y < h {
            for x in bar.x...bar.maxX { flank.append(plane[x, y]) }
        }
        guard !flank.isEmpty else { return start }
        let box = Self.median(flank)
        let tolerance: Float = 0.08
        let plain = flank.filter { abs($0 - box) <= tolerance }.count
        guard Double(plain) >= 0.85 * Double(flank.count), abs(box - plane.median) >= 0.2 else { return start }
        let belongs = { (x: Int, y: Int) -> Bool in
            let v = plane[x, y]
            return abs(v - box) <= tolerance || test.passes(v)
        }
        func isBoxLine(_ xs: ClosedRange<Int>, _ ys: ClosedRange<Int>) -> Bool {
            var n = 0, good = 0
            for y in ys { for x in xs { n += 1; if belongs(x, y) { good += 1 } } }
            return n > 0 && Double(good) >= 0.8 * Double(n)
        }
        var r = start
        let maxWidth = max(start.width, w / 2), maxHeight = max(start.height, h / 3)
        var grew = true
        while grew {
            grew = false
            if r.x > 0, r.width < maxWidth, isBoxLine((r.x - 1)...(r.x - 1), r.y...r.maxY) {
                r.x -= 1; r.width += 1; grew = true
            }
            if r.maxX < w - 1, r.width < maxWidth, isBoxLine((r.maxX + 1)...(r.maxX + 1), r.y...r.maxY) {
                r.width += 1; grew = true
            }
            if r.y > 0, r.height < maxHeight, isBoxLine(r.x...r.maxX, (r.y - 1)...(r.y - 1)) {
                r.y -= 1; r.height += 1; grew = true
            }
            if r.maxY < h - 1, r.height < maxHeight, isBoxLine(r.x...r.maxX, (r.maxY + 1)...(r.maxY + 1)) {
                r.height += 1; grew = true
            }
        }
        return r
    }

    /// 8-connected blobs of bar-coloured pixels inside `window`.
    static func blobs(in window: PixelRect, _ plane: Plane, _ test: Threshold) -> [(box: PixelRect, count: Int)] {
        guard !window.isEmpty else { return [] }
        let ww = window.width, wh = window.height
        var seen = [Bool](repeating: false, count: ww * wh)
        var out: [(PixelRect, Int)] = []
        var stack: [Int] = []
        for start in 0..<(ww * wh) where !seen[start] {
            seen[start] = true
            guard test.passes(plane[window.x + start % ww, window.y + start / ww]) else { continue }
            var minX = start % ww, maxX = minX, minY = start / ww, maxY = minY, count = 0
            stack.append(start)
            while let p = stack.popLast() {
                count += 1
                let px = p % ww, py = p / ww
                minX = min(minX, px); maxX = max(maxX, px); minY = min(minY, py); maxY = max(maxY, py)
                for dy in -1...1 {
                    for dx in -1...1 {
                        let nx = px + dx, ny = py + dy
                        guard nx >= 0, ny >= 0, nx < ww, ny < wh else { continue }
                        let n = ny * ww + nx
                        if !seen[n] {
                            seen[n] = true
                            if test.passes(plane[window.x + nx, window.y + ny]) { stack.append(n) }
                        }
                    }
                }
            }
            out.append((PixelRect(x0: window.x + minX, y0: window.y + minY, x1: window.x + maxX, y1: window.y + maxY), count))
        }
        return out
    }

    /// Sub-pixel x where `q`, walking from `start` by `step` (±1) up to `limit`, first drops below
    /// `level`: linear between the last pixel at or above it and the first below.
    static func crossing(_ q: (Int) -> Float, from start: Int, step: Int, limit: Int, level: Float) -> Double? {
        guard q(start) >= level else { return nil }
        var i = start
        while i != limit, q(i) >= level { i += step }
        guard q(i) < level else { return nil }
        let inside = i - step
        return Double(inside) + Double(step) * Double((q(inside) - level) / (q(inside) - q(i)))
    }

    static func median<T: Comparable>(_ values: [T]) -> T {
        let s = values.sorted()
        return s[s.count / 2]
    }

    // MARK: - Helpers

    /// One row's run of bar-coloured pixels, columns x0...x1.
    struct Run: Equatable {
        var y: Int
        var x0: Int
        var x1: Int
    }

    /// "Is this pixel bar-coloured?" for one polarity.
    struct Threshold {
        let polarity: ScaleBar.Polarity
        let level: Float
        func passes(_ v: Float) -> Bool { polarity == .light ? v >= level : v <= level }
    }

    /// Luminance in 0...1 with the statistics the thresholds need.
    struct Plane {
        let width: Int
        let height: Int
        let pixels: [Float]
        let minimum: Float
        let maximum: Float
        let median: Float

        init(_ image: Image) {
            width = image.width
            height = image.height
            pixels = image.grayscale().floatPixels().map { min(1, max(0, $0.isFinite ? $0 : 0)) }
            var histogram = [Int](repeating: 0, count: 1024)
            var lo: Float = 1, hi: Float = 0
            for v in pixels {
                histogram[min(1023, Int(v * 1023))] += 1
                lo = min(lo, v)
                hi = max(hi, v)
            }
            var seen = 0, bin = 0
            while bin < 1023, seen + histogram[bin] <= pixels.count / 2 { seen += histogram[bin]; bin += 1 }
            minimum = lo
            maximum = hi
            median = (Float(bin) + 0.5) / 1023
        }

        subscript(x: Int, y: Int) -> Float { pixels[y * width + x] }

        func mean(xs: ClosedRange<Int>, ys: ClosedRange<Int>) -> Float {
            var sum: Float = 0
            for y in ys { for x in xs { sum += pixels[y * width + x] } }
            return sum / Float(xs.count * ys.count)
        }
    }
}
