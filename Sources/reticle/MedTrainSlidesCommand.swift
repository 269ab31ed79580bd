// `reticle med train-slides LABELS.csv --tile-model M --out MIL`: a gated-attention MIL slide
// classifier from slide-level labels, on tile features extracted once and cached.
import ArgumentParser
import Foundation
import Medical
import Shared

struct MedTrainSlidesCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "train-slides",
        abstract: "Train a gated-attention MIL slide classifier from slide labels on cached tile features.",
        discussion: """
        LABELS is a CSV with the header slide,label (slide paths relative to the CSV). Each slide is \
        tiled as med slides tiles it and its tiles' features (the tile model's penultimate layer) are \
        extracted once into --cache (default: MIL's stem + .features/), keyed by the slide's SHA-256, \
        the tile model's SHA-256 and the tiling settings; a rerun reads them. Slides are split into \
        train and validation by slide. The MIL file names the tile model and the tiling; use it with \
        med slides --model M --mil MIL --aggregation attention. Writes MIL and MIL's stem + .log.jsonl.
        """)

    @Argument(help: "CSV of slide,label.")
    var labels: String

    @Option(help: "Tile model (.safetensors from med train-tiles) whose features the MIL reads.")
    var tileModel: String

    @Option(help: "MIL model file to write (.safetensors).")
    var out: String

    @Option(help: "Feature cache folder (default: MIL's stem + .features).")
    var cache: String?

    @Option(help: "µm/px of level 0 for slides that carry no scale.")
    var mpp: Double?

    @Option(help: "Tissue detection preset: biopsy or resection.")
    var tissuePreset = MedTrainSlidesOptions().tissuePreset

    @Option(help: "Minimum tissue fraction of a tile.")
    var minTissue = MedTrainSlidesOptions().minTissue

    @Option(help: "Tiles per forward pass of the tile model.")
    var batchSize = MedTrainSlidesOptions().batchSize

    @Option(help: "Training epochs (one slide per step).")
    var epochs = MedTrainSlidesOptions().epochs

    @Option(help: "Width of the attention's hidden layer.")
    var hidden = MedTrainSlidesOptions().hidden

    @Option(help: "Learning rate (AdamW).")
    var learningRate = MedTrainSlidesOptions().learningRate

    @Option(help: "Fraction of slides held out for validation.")
    var validationFraction = MedTrainSlidesOptions().validationFraction

    @Option(help: "Seed for the split, initialisation and shuffling.")
    var seed = MedTrainSlidesOptions().seed

    @Flag(help: "No progress output.")
    var quiet = false

    @Option(help: "Compute threads for every kernel and OpenBLAS (default: one per core).")
    var threads: Int = 0

    var options: MedTrainSlidesOptions {
        var o = MedTrainSlidesOptions()
        o.tileModel = tileModel
        o.mpp = mpp
        o.tissuePreset = tissuePreset
        o.minTissue = minTissue
        o.batchSize = batchSize
        o.epochs = epochs
        o.hidden = hidden
        o.learningRate = learningRate
        o.validationFraction = validationFraction
        o.seed = seed
        return o
    }

    func validate() throws { try usage { try options.validate() } }

    func run() throws {
        let options = self.options
        applyComputeThreads(threads)
        let url = URL(fileURLWithPath: out)
        let stem = url.deletingPathExtension().path
        do {
            var trainer = SlideMILTrainer(options: options)
            trainer.progress = .automatic(quiet: quiet)
            let result = try trainer.train(labelsCSV: labels, cacheFolder: URL(fileURLWithPath: cache ?? stem + ".features"))
            for f in result.failed { FileHandle.standardError.write(Data("train-slides: left out \(f.reason)\n".utf8)) }
            try result.write(to: url)
            let acc = result.validationAccuracy.map { String(format: "%.3f", $0) } ?? "n/a"
            print("wrote \(out): features of \(result.extracted) slide(s) extracted, \(result.cached) from the cache, \(result.failed.count) left out; "
                + "\(result.trainSlides.count) training slides, \(result.validationSlides.count) validation slides, validation accuracy \(acc)")
        } catch { throw fail(error) }
    }
}
