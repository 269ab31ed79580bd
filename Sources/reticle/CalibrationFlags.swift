// Calibration flags shared by every micrograph command: the same sources, in the same order.
import ArgumentParser
import Foundation
import Microstructure
import Shared

struct CalibrationFlags: ParsableArguments {
    @Option(help: "Pixel size in µm; beats every other source.")
    var umPerPx: Double?

    @Option(help: "Instrument profile (YAML): microscope → objective → µm/px.")
    var profile: String?

    @Option(help: "Microscope in the profile (may be left out when the profile has one).")
    var microscope: String?

    @Option(help: "Objective of that microscope (may be left out when it has one or a flat um_per_px).")
    var objective: String?

    @Option(help: "Length in µm of the burned-in scale bar.")
    var scaleBarUm: Double?

    func validate() throws {
        if let u = umPerPx, !(u.isFinite && u > 0) { throw ValidationError("--um-per-px must be a positive number of µm") }
        if let l = scaleBarUm, !(l.isFinite && l > 0) { throw ValidationError("--scale-bar-um must be a positive number of µm") }
        if profile == nil && (microscope != nil || objective != nil) {
            throw ValidationError("--microscope and --objective need --profile")
        }
    }

    /// The resolver these flags describe; throws for an unreadable or inconsistent profile.
    func calibration() throws -> MicrographCalibration {
        let instrument = try profile.map(MicroProfileFile.load)
        return try MicrographCalibration(umPerPixel: umPerPx, profile: instrument, microscope: microscope,
                                         objective: objective, scaleBarUM: scaleBarUm)
    }

    /// What the flags contribute to a batch's settings hash.
    var settings: JSONObject {
        var o = JSONObject()
        o["um_per_px"] = umPerPx.map(JSONValue.number) ?? .null
        o["profile_sha256"] = profile.map { .string(MicroProfileFile.fingerprint($0)) } ?? .null
        o["microscope"] = microscope.map(JSONValue.string) ?? .null
        o["objective"] = objective.map(JSONValue.string) ?? .null
        o["scale_bar_um"] = scaleBarUm.map(JSONValue.number) ?? .null
        return o
    }
}
