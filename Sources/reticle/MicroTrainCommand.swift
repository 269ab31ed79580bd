// `reticle micro train DATA --out MODEL.safetensors`: a type + needle-class grading model
// from a manifest CSV or a folder per type, with a training log and an evaluation next to it.
import ArgumentParser
import Foundation
import Microstructure
import Shared

extension ModelSpec.Architecture: ExpressibleByArgument {}

struct MicroTrainCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "train",
        abstract: "Train a micrograph grading model (type + ordinal needle-length class).",
        discussion: """
        DATA is a CSV manifest (image, specimen, type, needle_class, optional rater and um_per_px; \
        several rows per image from several raters become soft labels) or a folder with one \
        sub-folder per type. Images are resampled to --um-per-px-model and cut into patches away \
        from scale bars; specimens are split whole between training and the held-out evaluation. \
        Writes MODEL, MODEL's stem + .log.jsonl (one line per epoch) and .evaluation.json.
        """)

    @Argument(help: "Manifest CSV, or a folder holding manifest.csv or one sub-folder per type.")
    var data: String

    @Option(help: "Model file to write (.safetensors).")
    var out: String

    @Option(help: "Training epochs.")
    var epochs = 12

    @Option(help: "Patch side in pixels at the model's scale.")
    var patch = 64

    @Option(help: "The model's scale in µm/px; every image is resampled to it.")
    var umPerPxModel = 1.0

    @Option(help: "Random patches per image.")
    var patchesPerImage = 16

    @Option(help: "Architecture: \(ModelSpec.Architecture.allCases.map(\.rawValue).joined(separator: ", ")).")
    var architecture: ModelSpec.Architecture = .compactCNN

    @Option(help: "Stage widths of the compact CNN, comma-separated.")
    var widths = "16,32,64,128"

    @Option(help: "Peak learning rate (AdamW, warm-up then cosine decay).")
    var learningRate: Float = 3e-3

    @Option(help: "Label smoothing of the type head (robustness to rater noise).")
    var labelSmoothing: Float = 0.1

    @Option(help: "Seed for patches, split, initialisation and shuffling.")
    var seed: UInt64 = 1

    @OptionGroup var calibrationFlags: CalibrationFlags

    @Flag(help: "No progress output.")
    var quiet = false

    @Option(help: "Compute threads for every kernel and OpenBLAS (default: one per core).")
    var threads: Int = 0

    func run() throws {
        if threads < 0 { throw fail(ReticleError(.usage, "--threads must be ≥ 0")) }
        var config = GradingTrainingConfig()
        config.epochs = epochs
        config.patchSize = patch
        config.umPerPixel = umPerPxModel
        config.patchesPerImage = patchesPerImage
        config.architecture = architecture
        config.labelSmoothing = labelSmoothing
        config.learningRate = learningRate
        let stageWidths = widths.split(separator: ",").compactMap { Int($0.trimmingCharacters(in: .whitespaces)) }
        guard !stageWidths.isEmpty, stageWidths.count == widths.split(separator: ",").count, stageWidths.allSatisfy({ $0 >= 1 }) else {
            throw fail(ReticleError(.usage, "--widths must be positive integers separated by commas, got \"\(widths)\""))
        }
        config.compactWidths = stageWidths
        config.seed = seed
        let dataset: GradingDataset
        let calibration: MicrographCalibration
        do {
            try config.validate()
            dataset = try GradingDataset.load(data)
            calibration = try calibrationFlags.calibration()
        } catch { throw fail(error) }
        let quiet = self.quiet
        var trainer = GradingTrainer(config: config, calibration: calibration, report: { line in
            if !quiet { FileHandle.standardError.write(Data("train: \(line)\n".utf8)) }
        })
        trainer.progress = .automatic(quiet: quiet)
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
        } catch { throw fail(error) }
    }
}
