// The int8 quantisation flags shared by `model quantize` and `micro quantize`: parsed into `QuantizeOptions`.
import ArgumentParser
import Foundation
import Shared

extension ActivationCalibrator: ExpressibleByArgument {}

struct QuantizeFlags: ParsableArguments {
    @Option(help: "Folder of real input images to calibrate on (and hold some out from).")
    var calibrate: String

    @Option(help: "Quantised model file to write.")
    var out: String

    @Option(help: "Calibrator: minmax or percentile.")
    var calibrator = QuantizeOptions().calibrator

    @Option(help: "Upper quantile (percent) of the percentile calibrator.")
    var percentile = QuantizeOptions().percentile

    @Option(help: "Images held out for the accuracy check (default: a quarter of them).")
    var holdout: Int?

    @Option(help: "Inputs per image, evenly spread (default: 4 crops for model quantize, 16 grading patches for micro quantize).")
    var patchesPerImage: Int?

    @Option(help: "Calibration inputs used at most.")
    var maxCalibrationSamples = QuantizeOptions().maxCalibrationSamples

    @Option(help: "Lowest acceptable top-1 agreement with the fp32 model (0...1).")
    var minAgreement = QuantizeOptions().minAgreement

    @Option(help: "Seed of the held-out choice.")
    var seed: UInt64 = QuantizeOptions().seed

    /// `base` (the command's defaults) with the flags given.
    func options(_ base: QuantizeOptions = QuantizeOptions()) -> QuantizeOptions {
        var o = base
        o.calibrate = calibrate
        o.calibrator = calibrator
        o.percentile = percentile
        o.holdout = holdout
        o.patchesPerImage = patchesPerImage ?? base.patchesPerImage
        o.maxCalibrationSamples = maxCalibrationSamples
        o.minAgreement = minAgreement
        o.seed = seed
        return o
    }
}
