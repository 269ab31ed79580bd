// A binary grain-boundary map: the input of every grain-size measurement,
// either given (a binarised boundary image) or detected from an etched micrograph.

import Foundation
import Shared

public struct BoundaryMap: Equatable, Sendable {
    public let width: Int
    public let height: Int
    /// Row-major, true on boundary pixels.
    public var isBoundary: [Bool]
    /// Physical pixel size; measurements in µm/mm need it, counts do not.
    public var umPerPixel: Double?

    public init(width: Int, height: Int, isBoundary: [Bool], umPerPixel: Double? = nil) {
        precondition(isBoundary.count == width * height, "boundary map holds \(isBoundary.count) pixels, expected \(width)×\(height)")
        self.width = width
        self.height = height
        self.isBoundary = isBoundary
        self.umPerPixel = umPerPixel
    }

    /// From a binarised (or near-binary) boundary image. Pixels on the minority side of the
    /// Otsu threshold are boundaries, unless `boundariesAreDark` says which side they are on.
    public init(image: Image, boundariesAreDark: Bool? = nil) {
        let gray = image.grayscale().floatPixels()
        let t = Otsu.threshold(gray)
        let dark = gray.reduce(0) { $0 + ($1 <= t ? 1 : 0) }
        let darkIsBoundary = boundariesAreDark ?? (dark * 2 <= gray.count)
        self.init(width: image.width, height: image.height,
                  isBoundary: gray.map { darkIsBoundary ? $0 <= t : $0 > t },
                  umPerPixel: image.calibration.map(\.umPerPixel))
    }

    public subscript(x: Int, y: Int) -> Bool { isBoundary[y * width + x] }

    /// Marks rectangles (scale bars, labels) as boundary: no grain is counted inside them, and
    /// grains cut by them count as cut, as at a field edge.
    public mutating func markBoundary(_ regions: [PixelRect]) {
        for r in regions {
            for y in max(0, r.y)..<min(height, r.y + r.height) {
                for x in max(0, r.x)..<min(width, r.x + r.width) { isBoundary[y * width + x] = true }
            }
        }
    }

    /// Fraction of pixels on boundaries.
    public var boundaryFraction: Double {
        Double(isBoundary.reduce(0) { $0 + ($1 ? 1 : 0) }) / Double(max(1, isBoundary.count))
    }

    /// The map inside a rectangle (clipped to the map).
    public func cropped(x: Int, y: Int, width w: Int, height h: Int) -> BoundaryMap {
        let x0 = max(0, x), y0 = max(0, y)
        let x1 = min(width, x + w), y1 = min(height, y + h)
        var out: [Bool] = []
        out.reserveCapacity(max(0, x1 - x0) * max(0, y1 - y0))
        for yy in y0..<max(y0, y1) { out += isBoundary[(yy * width + x0)..<(yy * width + x1)] }
        return BoundaryMap(width: max(0, x1 - x0), height: max(0, y1 - y0), isBoundary: out, umPerPixel: umPerPixel)
    }
}

extension BoundaryMap {
    /// The map with every grain smaller than `minGrainAreaPx` turned into boundary: etching and
    /// binarisation leave specks inside boundary bands that would otherwise count as grains.
    public func fillingSpecks(minGrainAreaPx: Int) -> BoundaryMap {
        guard minGrainAreaPx > 1 else { return self }
        let grains = GrainLabels(self)
        var out = self
        for i in 0..<isBoundary.count {
            let l = Int(grains.labels[i])
            if l != 0 && grains.areas[l] < minGrainAreaPx { out.isBoundary[i] = true }
        }
        return out
    }
}

extension BoundaryMap {
    /// Boundaries thinned to one-pixel, 8-connected lines (Zhang–Suen), which still separate
    /// 4-connected grains. Detected boundaries are several pixels wide; thick junction blobs
    /// would swallow small grains and the crossings that pass near junctions.
    public func thinned() -> BoundaryMap {
        var b = isBoundary
        let w = width, h = height
        // Outside counts as boundary so that lines keep reaching the edge of the field.
        func at(_ x: Int, _ y: Int) -> Bool { x < 0 || y < 0 || x >= w || y >= h || b[y * w + x] }
        var changed = true
        var remove: [Int] = []
        while changed {
            changed = false
            for pass in 0..<2 {
                remove.removeAll(keepingCapacity: true)
                for y in 0..<h {
                    for x in 0..<w where b[y * w + x] {
                        // Neighbours P2..P9 clockwise from north.
                        let n = [at(x, y - 1), at(x + 1, y - 1), at(x + 1, y), at(x + 1, y + 1),
                                 at(x, y + 1), at(x - 1, y + 1), at(x - 1, y), at(x - 1, y - 1)]
                        let count = n.reduce(0) { $0 + ($1 ? 1 : 0) }
                        guard (2...6).contains(count) else { continue }
                        var transitions = 0
                        for i in 0..<8 where !n[i] && n[(i + 1) % 8] { transitions += 1 }
                        guard transitions == 1 else { continue }
                        let (p2, p4, p6, p8) = (n[0], n[2], n[4], n[6])
                        let ok = pass == 0 ? (!(p2 && p4 && p6) && !(p4 && p6 && p8))
                                           : (!(p2 && p4 && p8) && !(p2 && p6 && p8))
                        if ok { remove.append(y * w + x) }
                    }
                }
                for i in remove { b[i] = false }
                if !remove.isEmpty { changed = true }
            }
        }
        return BoundaryMap(width: w, height: h, isBoundary: b, umPerPixel: umPerPixel)
    }
}
