// Planimetric (Jeffries) grain counting, ASTM E112 §11 / ISO 643: grains inside the test
// figure count 1, grains cut by it ½, and for a rectangle the four corner grains ¼ each.

import Foundation

/// A test figure placed on the field, in pixel coordinates.
public enum TestFigure: Equatable, Sendable {
    case circle(centerX: Double, centerY: Double, radius: Double)
    case rectangle(x: Int, y: Int, width: Int, height: Int)

    /// Area in px².
    public var areaPx: Double {
        switch self {
        case .circle(_, _, let r): return Double.pi * r * r
        case .rectangle(_, _, let w, let h): return Double(w * h)
        }
    }
}

/// The counts on one field with one test figure.
public struct PlanimetricCount: Equatable, Sendable {
    public var inside: Int
    public var intercepted: Int
    /// Corner grains of a rectangle (0 for a circle).
    public var corners: Int
    public var areaPx: Double

    /// N_inside + ½·N_intercepted + ¼·N_corners.
    public var weightedGrains: Double { Double(inside) + 0.5 * Double(intercepted) + 0.25 * Double(corners) }

    /// Grains per mm² at 1× (N_A).
    public func grainsPerMM2(umPerPixel: Double) -> Double {
        let areaMM2 = areaPx * umPerPixel * umPerPixel * 1e-6
        return weightedGrains / areaMM2
    }
}

public enum PlanimetricMethod {
    /// The largest circle or the full rectangle that fits the field, as E112 recommends
    /// (a circle avoids the corner ambiguity; a rectangle uses every pixel).
    public static func defaultFigure(width: Int, height: Int, circle: Bool) -> TestFigure {
        circle ? .circle(centerX: Double(width) / 2, centerY: Double(height) / 2, radius: Double(min(width, height)) / 2 - 1)
               : .rectangle(x: 0, y: 0, width: width, height: height)
    }

    public static func count(_ grains: GrainLabels, figure: TestFigure) -> PlanimetricCount {
        // Per grain: does it reach strictly inside the figure, and does it touch its outline or beyond?
        var hasInside = [Bool](repeating: false, count: grains.count + 1)
        var hasOutside = [Bool](repeating: false, count: grains.count + 1)
        for y in 0..<grains.height {
            for x in 0..<grains.width {
                let l = Int(grains.labels[y * grains.width + x])
                guard l != 0 else { continue }
                if isInterior(x: x, y: y, figure) { hasInside[l] = true } else { hasOutside[l] = true }
            }
        }
        var cornerLabels = Set<Int32>()
        if case .rectangle(let x, let y, let w, let h) = figure {
            for (cx, cy) in [(x, y), (x + w - 1, y), (x, y + h - 1), (x + w - 1, y + h - 1)] {
                let l = grains.nearestGrain(x: cx, y: cy)
                if l != 0 { cornerLabels.insert(l) }
            }
        }
        var inside = 0, intercepted = 0
        for l in 1...max(1, grains.count) where l <= grains.count && hasInside[l] {
            if cornerLabels.contains(Int32(l)) { continue }
            if hasOutside[l] { intercepted += 1 } else { inside += 1 }
        }
        return PlanimetricCount(inside: inside, intercepted: intercepted, corners: cornerLabels.count, areaPx: figure.areaPx)
    }

    /// Strictly inside the outline (outline pixels themselves belong to the test line).
    static func isInterior(x: Int, y: Int, _ figure: TestFigure) -> Bool {
        switch figure {
        case .circle(let cx, let cy, let r):
            let dx = Double(x) + 0.5 - cx, dy = Double(y) + 0.5 - cy
            return dx * dx + dy * dy < (r - 0.5) * (r - 0.5)
        case .rectangle(let rx, let ry, let w, let h):
            return x > rx && x < rx + w - 1 && y > ry && y < ry + h - 1
        }
    }
}
