// Turning "pixels per unit" fields (TIFF resolution, PNG pHYs, JFIF density, BMP
// pixels per metre) into a calibration, and telling real figures from the default
// print densities (72, 96, 150, 200, 300, 600 or 1 dpi, both axes equal) that image
// programs write regardless of scale, and from figures no microscope produces (ScaleLimits).

import Foundation

extension Calibration {
    /// What a file's density fields amount to: a calibration, or none and why not (`note`,
    /// shown by `reticle inspect` and in the "no µm/px" error).
    struct Reading: Sendable {
        var calibration: Calibration?
        var note: String?
        static let absent = Reading(calibration: nil, note: nil)
    }

    /// Print densities image programs write whatever was imaged (72 and 96 screen, 150–600 print):
    /// read as a scale they give 42–353 µm/px, which no micrograph has.
    static let printDefaultDPI: [Double] = [72, 96, 150, 200, 300, 600]

    /// µm/px from pixels per unit, or nil when the figures are missing, non-positive, a program default rather than a scale,
    /// or outside `ScaleLimits.micronsPerPixel`.
    /// - Parameter micronsPerUnit: 25400 for inch, 10000 for cm, 1e6 for metre.
    static func fromResolution(x: Double, y: Double, micronsPerUnit: Double,
                               source: CalibrationSource, detail: String) -> Calibration? {
        readResolution(x: x, y: y, micronsPerUnit: micronsPerUnit, source: source, detail: detail).calibration
    }

    /// As `fromResolution`, with a note saying why the figures are not taken as a scale.
    static func readResolution(x: Double, y: Double, micronsPerUnit: Double,
                               source: CalibrationSource, detail: String) -> Reading {
        guard x.isFinite, y.isFinite, x > 0, y > 0 else {
            return Reading(calibration: nil, note: "\(detail) is not a positive density: no calibration")
        }
        if let dpi = printDefault(x: x, y: y, micronsPerUnit: micronsPerUnit) {
            return Reading(calibration: nil,
                           note: "\(detail) is \(format(dpi)) dpi, an image program's print default, not a scale: no calibration")
        }
        let c = Calibration(umPerPixelX: micronsPerUnit / x, umPerPixelY: micronsPerUnit / y,
                            source: source, detail: detail)
        guard ScaleLimits.isPlausible(umPerPixel: c.umPerPixelX), ScaleLimits.isPlausible(umPerPixel: c.umPerPixelY) else {
            let size = c.isSquare ? format(c.umPerPixelX) : "\(format(c.umPerPixelX))×\(format(c.umPerPixelY))"
            return Reading(calibration: nil,
                           note: "\(detail) gives \(size) µm/px, outside the \(ScaleLimits.rangeText) a microscope produces: no calibration")
        }
        return Reading(calibration: c, note: nil)
    }

    /// The dpi when both axes carry the same print default (`printDefaultDPI`, or 1 dpi per inch
    /// that some writers put in), else nil.
    static func printDefault(x: Double, y: Double, micronsPerUnit: Double) -> Double? {
        let dx = x * 25400 / micronsPerUnit, dy = y * 25400 / micronsPerUnit
        guard abs(dx - dy) < 0.05 else { return nil }
        if micronsPerUnit == 25400 && dx == 1 { return 1 }
        return printDefaultDPI.first { abs(dx - $0) < 0.05 }
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
