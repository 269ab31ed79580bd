// `reticle micro quantize M --calibrate DIR --out Q`: int8 quantisation of a steel grading model on its
// own grading patches (MicroQuantizeOptions).
import ArgumentParser
import Foundation
import Microstructure
import Shared

struct MicroQuantizeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "quantize",
        abstract: "Quantise a steel grading model to int8, calibrated on the patches micro grade cuts.",
        discussion: """
        As `reticle model quantize`, but each calibration and held-out micrograph is calibrated (the \
        same flags and sources as micro grade), resampled to the model's µm/px and cut into the grading \
        patches, each standardised, before it reaches the model. micro grade takes only int8 models made \
        here. Q's top-1 agreement with M on the held-out images' patches is printed and recorded; below \
        --min-agreement Q is not written (exit status non-zero).
        """)

    @Argument(help: "The fp32 grading model (.safetensors, from micro train).")
    var model: String

    @OptionGroup var quantize: QuantizeFlags

    @OptionGroup var calibrationFlags: CalibrationFlags

    @Option(name: .long, help: "Compute threads (default: one per core).")
    var threads: Int = 0

    var options: MicroQuantizeOptions {
        var o = MicroQuantizeOptions()
        o.quantize = quantize.options(o.quantize)
        o.calibration = calibrationFlags.options
        return o
    }

    func validate() throws { try usage { try options.validate() } }

    func run() throws {
        applyComputeThreads(threads)
        do {
            let options = self.options
            let r = try options.run(model: model, out: quantize.out, chain: try options.calibration.calibration(),
                                    reader: ImageReaders.all) { print($0) }
            for s in r.skipped { print("skipped \(s)") }
            print(String(format: "wrote %@: %d int8 convolutions (%@ kernel), %d layers left fp32; top-1 agreement with fp32 on held-out grading patches %.2f %% (%d of %d)",
                         quantize.out, r.int8Layers, Int8Convolution.kernelISA, r.fp32Layers.count, 100 * r.agreement, r.agreeing, r.total))
        } catch { throw fail(error) }
    }
}
