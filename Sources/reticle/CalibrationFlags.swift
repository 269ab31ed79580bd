// Calibration flags shared by every micrograph command: parsed into `CalibrationOptions`.
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

    var options: CalibrationOptions {
        CalibrationOptions(umPerPx: umPerPx, profile: profile, microscope: microscope, objective: objective,
                           scaleBarUm: scaleBarUm)
    }

    func validate() throws { try usage { try options.validate() } }
}

extension CalibrationOptions {
    /// The resolver, reading the instrument profile (YAML) here in the CLI.
    func calibration() throws -> MicrographCalibration {
        try calibration(loadProfile: MicroProfileFile.load)
    }
}
