// `reticle model quantize M --calibrate DIR --out Q`: int8 post-training quantisation (QuantizeOptions).
import ArgumentParser
import Foundation
import Shared

extension ActivationCalibrator: ExpressibleByArgument {}

struct ModelQuantizeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "quantize",
        abstract: "Quantise a model to int8 (s8 weights per channel, u8 activations calibrated on real images).",
        discussion: """
        BatchNorm is folded first; each ungrouped convolution's input range is calibrated on the images of \
        --calibrate DIR (minmax or percentile), some of which (--holdout N, default a quarter) are held out: \
        Q's top-1 agreement with M on them is printed and recorded in Q's manifest, and below \
        --min-agreement Q is not written (exit status non-zero). Every command that loads a model takes Q.
        """)

    @Argument(help: "The fp32 model file (.safetensors).")
    var model: String

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

    @Option(help: "Crops per image at least the model's input size.")
    var patchesPerImage = QuantizeOptions().patchesPerImage

    @Option(help: "Calibration inputs used at most.")
    var maxCalibrationSamples = QuantizeOptions().maxCalibrationSamples

    @Option(help: "Lowest acceptable top-1 agreement with the fp32 model (0...1).")
    var minAgreement = QuantizeOptions().minAgreement

    @Option(help: "Seed of the held-out choice.")
    var seed: UInt64 = QuantizeOptions().seed

    @Option(name: .long, help: "Compute threads (default: one per core).")
    var threads: Int = 0

    var options: QuantizeOptions {
        var o = QuantizeOptions()
        o.calibrate = calibrate
        o.calibrator = calibrator
        o.percentile = percentile
        o.holdout = holdout
        o.patchesPerImage = patchesPerImage
        o.maxCalibrationSamples = maxCalibrationSamples
        o.minAgreement = minAgreement
        o.seed = seed
        return o
    }

    func validate() throws { try usage { try options.validate() } }

    func run() throws {
        applyComputeThreads(threads)
        do {
            let r = try options.run(model: model, out: out) { print($0) }
            for s in r.skipped { print("skipped \(s)") }
            print(String(format: "wrote %@: %d int8 convolutions (%@ kernel), %d layers left fp32; top-1 agreement with fp32 on held-out inputs %.2f %% (%d of %d)",
                         out, r.int8Layers, Int8Convolution.kernelISA, r.fp32Layers.count, 100 * r.agreement, r.agreeing, r.total))
        } catch { throw fail(error) }
    }
}
