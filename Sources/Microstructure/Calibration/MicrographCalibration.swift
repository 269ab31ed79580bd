// Deciding a micrograph's µm/px from every source there is, in the order the design fixes:
// flag or protocol, instrument profile, the file's own metadata (TIFF resolution, ImageJ
// description, other embedded figures), a detected burned-in scale bar. Every figure found
// is kept; one that disagrees with the figure used by more than 2 % becomes a warning.

import Foundation
import Shared

public struct MicrographCalibration: Sendable {
    /// µm/px given by the user or a protocol; beats every other source.
    public var given: Double?
    /// `.flag` or `.protocolFile`: says which of the two `given` came from.
    public var givenSource: CalibrationSource
    /// The instrument profile's figure for the microscope and objective in use.
    public var profileEntry: InstrumentProfile.Entry?
    /// Length of the burned-in bar in µm, from a flag or protocol; the profile's applies otherwise.
    public var scaleBarUM: Double?
    /// Looks for a bar even when another source decides: its mask must be left out of analysis
    /// whatever the scale came from, and its figure cross-checks the others. nil skips it.
    public var detector: ScaleBarDetector?
    /// Relative difference beyond which two figures are reported as disagreeing.
    public var tolerance = 0.02

    public init(umPerPixel: Double? = nil, source: CalibrationSource = .flag,
                profileEntry: InstrumentProfile.Entry? = nil, scaleBarUM: Double? = nil,
                detector: ScaleBarDetector? = ScaleBarDetector()) {
        self.given = umPerPixel
        self.givenSource = source
        self.profileEntry = profileEntry
        self.scaleBarUM = scaleBarUM
        self.detector = detector
    }

    /// The same, looking `microscope` + `objective` up in `profile` first.
    /// - Throws: `ReticleError(.usage)` naming the profile and the missing microscope or objective.
    public init(umPerPixel: Double? = nil, source: CalibrationSource = .flag, profile: InstrumentProfile?,
                microscope: String? = nil, objective: String? = nil, scaleBarUM: Double? = nil,
                detector: ScaleBarDetector? = ScaleBarDetector()) throws {
        let entry = try profile?.entry(microscope: microscope, objective: objective)
        self.init(umPerPixel: umPerPixel, source: source, profileEntry: entry, scaleBarUM: scaleBarUM, detector: detector)
    }

    /// Bar length in µm and where it came from, when anything says.
    var barLength: (um: Double, from: String)? {
        if let scaleBarUM { return (scaleBarUM, givenSource == .protocolFile ? "protocol" : "--scale-bar-um") }
        if let l = profileEntry?.scaleBarUM { return (l, "instrument profile") }
        return nil
    }

    /// The figure to use for `image` (read from `path`), every other figure, the bar and warnings.
    /// - Throws: `ReticleError(.calibration)` naming `path` when no source gives a scale;
    ///   and for a figure that is not a positive number inside `ScaleLimits.micronsPerPixel`.
    public func resolve(_ image: Image, path: String) throws -> ResolvedCalibration {
        var figures: [Calibration] = []
        if let given {
            try ScaleLimits.check(umPerPixel: given, givenSource == .protocolFile ? "protocol um_per_px" : "--um-per-px", file: path)
            let detail = givenSource == .protocolFile ? "protocol um_per_px \(Self.format(given))" : "--um-per-px \(Self.format(given))"
            figures.append(Calibration(umPerPixel: given, source: givenSource, detail: detail))
        }
        if let e = profileEntry {
            figures.append(Calibration(umPerPixel: e.umPerPixel, source: .instrumentProfile, detail: e.detail))
        }
        if let embedded = image.calibration, embedded.isValid {
            figures.append(embedded)
        }
        let bar = detector?.detect(in: image)
        var barUM: Double?
        if let bar, let length = barLength {
            barUM = length.um
            let detail = "\(Self.format(length.um)) µm bar (length from \(length.from)) = \(Self.format(bar.lengthPx, digits: 5)) px at x \(bar.bar.x), y \(bar.bar.y)"
            figures.append(Calibration(umPerPixel: bar.umPerPixel(lengthUM: length.um), source: .scaleBar, detail: detail))
        }
        guard let chosen = figures.first else {
            var reason = "no µm/px: give --um-per-px, an instrument profile, or --scale-bar-um for the burned-in bar"
            if let bar {
                reason += " (a \(Self.format(bar.lengthPx, digits: 4)) px scale bar was found at x \(bar.bar.x), y \(bar.bar.y))"
            } else if let note = image.calibrationNote {
                reason += " (\(note); no scale bar was found)"
            } else {
                reason += " (the file has no resolution tags and no scale bar was found)"
            }
            throw ReticleError(.calibration, file: path, reason)
        }
        // A profile entry or a measured bar can still be wrong by orders of magnitude.
        try ScaleLimits.check(umPerPixel: chosen.umPerPixelX, "\(chosen.source.rawValue) figure (\(chosen.detail ?? "no detail"))", file: path)
        try ScaleLimits.check(umPerPixel: chosen.umPerPixelY, "\(chosen.source.rawValue) figure (\(chosen.detail ?? "no detail"))", file: path)
        var warnings: [String] = []
        if !chosen.isSquare {
            warnings.append("pixels are not square: \(Self.format(chosen.umPerPixelX)) × \(Self.format(chosen.umPerPixelY)) µm")
        }
        for other in figures.dropFirst() {
            let difference = abs(other.umPerPixelX - chosen.umPerPixelX) / chosen.umPerPixelX
            if difference > tolerance {
                warnings.append("\(other.source.rawValue) says \(Self.format(other.umPerPixelX, digits: 4)) µm/px"
                    + " (\(other.detail ?? "no detail")), \(Self.format(100 * difference, digits: 3)) % from the"
                    + " \(chosen.source.rawValue) figure \(Self.format(chosen.umPerPixelX, digits: 4)) µm/px that is used")
            }
        }
        return ResolvedCalibration(calibration: chosen, figures: figures, scaleBar: bar, scaleBarUM: barUM, warnings: warnings)
    }

    /// `digits` significant digits, no trailing zeros: "0.4", "125.02".
    static func format(_ v: Double, digits: Int = 6) -> String { String(format: "%.\(digits)g", v) }
}
