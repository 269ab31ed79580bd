// Turning "pixels per unit" fields (TIFF resolution, PNG pHYs, JFIF density, BMP
// pixels per metre) into a calibration, and telling real figures from the
// default figures (72, 96 or 1 dpi) that image programs write regardless of scale.

import Foundation

extension Calibration {
    /// µm/px from pixels per unit, or nil when the figures are missing, non-positive or a program default rather than a scale.
    /// - Parameter micronsPerUnit: 25400 for inch, 10000 for cm, 1e6 for metre.
    static func fromResolution(x: Double, y: Double, micronsPerUnit: Double,
                               source: CalibrationSource, detail: String) -> Calibration? {
        guard x.isFinite, y.isFinite, x > 0, y > 0 else { return nil }
        if isPlaceholder(pixelsPerUnit: x, micronsPerUnit: micronsPerUnit)
            && isPlaceholder(pixelsPerUnit: y, micronsPerUnit: micronsPerUnit) { return nil }
        let c = Calibration(umPerPixelX: micronsPerUnit / x, umPerPixelY: micronsPerUnit / y,
                            source: source, detail: detail)
        return c.isValid ? c : nil
    }

    /// 72 and 96 dpi are the defaults of image editors and cameras (and 1 dpi of some writers),
    /// not a measured scale: nobody images a specimen at 264 or 353 µm/px.
    static func isPlaceholder(pixelsPerUnit: Double, micronsPerUnit: Double) -> Bool {
        let dpi = pixelsPerUnit * 25400 / micronsPerUnit
        return abs(dpi - 72) < 0.05 || abs(dpi - 96) < 0.05 || (micronsPerUnit == 25400 && dpi == 1)
    }

    /// The same calibration after resampling, detail noting the scale it came from.
    func resampled(umPerPixelX x: Double, umPerPixelY y: Double) -> Calibration {
        let from = isSquare ? Self.format(umPerPixelX) : "\(Self.format(umPerPixelX))×\(Self.format(umPerPixelY))"
        let note = "resampled from \(from) µm/px"
        return Calibration(umPerPixelX: x, umPerPixelY: y, source: source,
                           detail: detail.map { "\($0); \(note)" } ?? note)
    }

    /// Six significant digits, no trailing zeros: "0.5", "2000", "0.123457".
    static func format(_ v: Double) -> String { String(format: "%.6g", v) }
}
