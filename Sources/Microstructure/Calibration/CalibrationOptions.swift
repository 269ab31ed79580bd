// The calibration options every micrograph command shares (--um-per-px, --profile,
// --microscope, --objective, --scale-bar-um): one value embedded in each command's options,
// its fields flattened into that command's flags and protocol keys.

import Foundation
import Shared

public struct CalibrationOptions: EmbeddedOptions {
    /// Pixel size in µm; beats every other source.
    public var umPerPx: Double?
    /// Instrument profile (YAML): microscope → objective → µm/px.
    public var profile: String?
    /// Microscope in the profile.
    public var microscope: String?
    /// Objective of that microscope.
    public var objective: String?
    /// Length in µm of the burned-in scale bar.
    public var scaleBarUm: Double?

    public init(umPerPx: Double? = nil, profile: String? = nil, microscope: String? = nil, objective: String? = nil,
                scaleBarUm: Double? = nil) {
        self.umPerPx = umPerPx
        self.profile = profile
        self.microscope = microscope
        self.objective = objective
        self.scaleBarUm = scaleBarUm
    }

    /// A changed profile file changes results: its contents join the settings.
    public var referencedFiles: [String: String] { profile.map { ["profile": $0] } ?? [:] }

    /// - Throws: `ReticleError(.usage)` for a non-positive length or a microscope without a profile.
    public func validate() throws {
        if let u = umPerPx, !(u.isFinite && u > 0) { throw ReticleError(.usage, "--um-per-px must be a positive number of µm") }
        if let l = scaleBarUm, !(l.isFinite && l > 0) { throw ReticleError(.usage, "--scale-bar-um must be a positive number of µm") }
        if profile == nil && (microscope != nil || objective != nil) {
            throw ReticleError(.usage, "--microscope and --objective need --profile")
        }
    }

    /// The resolver these options describe. `loadProfile` reads an instrument profile file
    /// (YAML is read by the caller, so the library needs no YAML parser).
    /// - Throws: for an unreadable or inconsistent profile.
    public func calibration(loadProfile: (String) throws -> InstrumentProfile) throws -> MicrographCalibration {
        let instrument = try profile.map(loadProfile)
        return try MicrographCalibration(umPerPixel: umPerPx, profile: instrument, microscope: microscope,
                                         objective: objective, scaleBarUM: scaleBarUm)
    }
}
