// `reticle micro train DATA --out MODEL.safetensors`: a type + needle-class grading model
// from a manifest CSV or a folder per type, with a training log and an evaluation next to it.
import ArgumentParser
import Foundation
import Microstructure
import Shared

struct MicroTrainCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "train",
        abstract: "Train a micrograph grading model (type + ordinal needle-length class).",
        discussion: """
        DATA is a CSV manifest (image, specimen, type, needle_class, optional rater and um_per_px; \
        several rows per image from several raters become soft labels) or a folder with one \
        sub-folder per type. Images are resampled to --um-per-px-model and cut into patches away \
        from scale bars; specimens are split whole between training and the held-out evaluation. \
        Writes MODEL, MODEL's stem + .log.jsonl (one line per epoch) and .evaluation.json. \
        --architecture texture trains the texture baseline (uniform LBP and grey-level \
        co-occurrence features, a linear classifier). Exit status 3: the model was written but \
        is at chance on the held-out specimens (a warning says so).
        """)

    @Argument(help: "Manifest CSV, or a folder holding manifest.csv or one sub-folder per type.")
    var data: String

    @Option(help: "Model file to write (.safetensors).")
    var out: String

    @Option(help: "Training epochs.")
    var epochs = MicroTrainOptions().epochs

    @Option(help: "Patch side in pixels at the model's scale.")
    var patch = MicroTrainOptions().patch

    @Option(help: "The model's scale in µm/px; every image is resampled to it.")
    var umPerPxModel = MicroTrainOptions().umPerPxModel

    @Option(help: "Random patches per image.")
    var patchesPerImage = MicroTrainOptions().patchesPerImage

    @Option(help: "Architecture: \(MicroTrainOptions.architectureNames.joined(separator: ", ")) (texture: LBP + co-occurrence features with a linear classifier).")
    var architecture = MicroTrainOptions().architecture

    @Option(help: "Stage widths of the compact CNN, comma-separated.")
    var widths = MicroTrainOptions().widths

    @Option(help: "Weighted convolution (compact CNN): neighbour density ρ of the 3×3 profile [ρ, 1, ρ]; default plain convolutions.")
    var weightedConv: Double?

    @Option(help: "Spatial pyramid pooling levels (compact CNN), e.g. 1,2,4; default global average pooling.")
    var spp: String?

    @Option(help: "Peak learning rate (AdamW, warm-up then cosine decay).")
    var learningRate = MicroTrainOptions().learningRate

    @Option(help: "Label smoothing of the type head (robustness to rater noise).")
    var labelSmoothing = MicroTrainOptions().labelSmoothing

    @Option(help: "Seed for patches, split, initialisation and shuffling.")
    var seed = MicroTrainOptions().seed

    @Option(help: "Augmentation of training patches: \(GradingAugmentation.allCases.map(\.rawValue).joined(separator: ", ")) (lab: illumination, contrast and gamma, blur, noise, JPEG, flips and turns, scale jitter).")
    var augmentation = MicroTrainOptions().augmentation

    @Option(help: "Share of the specimens held out for the evaluation.")
    var testFraction = MicroTrainOptions().testFraction

    @Option(help: "Share of the specimens held out for validation (best epoch, early stopping; from 16 specimens on).")
    var validationFraction = MicroTrainOptions().validationFraction

    @Option(help: "Epochs without a better validation loss before training stops.")
    var patience = MicroTrainOptions().patience

    @OptionGroup var calibrationFlags: CalibrationFlags

    @Flag(help: "No progress output.")
    var quiet = false

    @Option(help: "Compute threads for every kernel and OpenBLAS (default: one per core).")
    var threads: Int = 0

    var options: MicroTrainOptions {
        var o = MicroTrainOptions()
        o.epochs = epochs
        o.patch = patch
        o.umPerPxModel = umPerPxModel
        o.patchesPerImage = patchesPerImage
        o.architecture = architecture
        o.widths = widths
        o.weightedConv = weightedConv
        o.spp = spp
        o.learningRate = learningRate
        o.labelSmoothing = labelSmoothing
        o.seed = seed
        o.augmentation = augmentation
        o.testFraction = testFraction
        o.validationFraction = validationFraction
        o.patience = patience
        o.calibration = calibrationFlags.options
        return o
    }

    func run() throws {
        let config: GradingTrainingConfig
        let dataset: GradingDataset
        let calibration: MicrographCalibration
        do {
            let options = self.options
            config = try options.config()
            try options.calibration.validate()
            dataset = try GradingDataset.load(data, reader: ImageReaders.all)
            calibration = try options.calibration.calibration()
        } catch { throw fail(error) }
        let quiet = self.quiet
        var trainer = GradingTrainer(config: config, calibration: calibration, report: { line in
            if !quiet { FileHandle.standardError.write(Data("train: \(line)\n".utf8)) }
        })
        trainer.progress = .automatic(quiet: quiet)
        trainer.reader = ImageReaders.all
        applyComputeThreads(threads)
        let url = URL(fileURLWithPath: out)
        let stem = url.deletingPathExtension()
        do {
            try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
            let result = try trainer.train(dataset, log: URL(fileURLWithPath: stem.path + ".log.jsonl"))
            try ModelFile.save(result.network, manifest: result.manifest, to: url)
            try AtomicFile.write(JSONValue.object(result.evaluation.json).serialized(pretty: true) + "\n",
                                 to: URL(fileURLWithPath: stem.path + ".evaluation.json"))
            print(result.evaluation.summary, terminator: "")
            print(String(format: "wrote %@ (%.1f s)", out, result.seconds))
            if let warning = result.evaluation.chanceWarning {
                FileHandle.standardError.write(Data("warning: \(out): \(warning)\n".utf8))
                throw ExitCode(3)
            }
        } catch let exit as ExitCode { throw exit } catch { throw fail(error) }
    }
}
