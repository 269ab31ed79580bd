// `reticle model quantize M --calibrate DIR --out Q`: int8 post-training quantisation (QuantizeOptions).
import ArgumentParser
import Foundation
import Shared

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

    @OptionGroup var quantize: QuantizeFlags

    @Option(name: .long, help: "Compute threads (default: one per core).")
    var threads: Int = 0

    var options: QuantizeOptions { quantize.options() }

    func validate() throws { try usage { try options.validate() } }

    func run() throws {
        applyComputeThreads(threads)
        do {
            let r = try options.run(model: model, out: quantize.out) { print($0) }
            for s in r.skipped { print("skipped \(s)") }
            print(String(format: "wrote %@: %d int8 convolutions (%@ kernel), %d layers left fp32; top-1 agreement with fp32 on held-out inputs %.2f %% (%d of %d)",
                         quantize.out, r.int8Layers, Int8Convolution.kernelISA, r.fp32Layers.count, 100 * r.agreement, r.agreeing, r.total))
        } catch { throw fail(error) }
    }
}
