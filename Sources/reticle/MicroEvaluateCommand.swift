// `reticle micro evaluate DATA --out DIR`: cross-validation of a training recipe by specimen,
// with the texture baseline on the same folds: report.html and evaluation.json.
import ArgumentParser
import Foundation
import Microstructure
import Shared

struct MicroEvaluateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "evaluate",
        abstract: "Cross-validate a grading recipe by specimen, next to the texture baseline.",
        discussion: """
        DATA is what micro train reads. Specimens are held out whole (--folds K, or 0 to leave \
        one specimen out); each recipe (--architecture, and --baseline beside it) is trained on \
        the other specimens and grades the held-out images as micro grade would. Per image, per \
        crop and per specimen accuracy, confusion matrices and calibration (ECE, reliability) go \
        to DIR/report.html and DIR/evaluation.json (--json also prints it), for every seed in --seeds.
        """)

    @Argument(help: "Manifest CSV, or a folder holding manifest.csv or one sub-folder per type.")
    var data: String

    @Option(help: "Folder for report.html and evaluation.json.")
    var out: String

    @Option(help: "Folds by specimen; 0 leaves one specimen out at a time.")
    var folds = MicroEvaluateOptions().folds

    @Option(help: "Seeds, comma-separated; each repeats the whole cross-validation.")
    var seeds = MicroEvaluateOptions().seeds

    @Option(help: "The recipe's architecture: \(MicroTrainOptions.architectureNames.joined(separator: ", ")).")
    var architecture = MicroEvaluateOptions().architecture

    @Option(help: "Architecture evaluated beside it on the same folds (none for none).")
    var baseline = MicroEvaluateOptions().baseline

    @Option(help: "Training epochs.")
    var epochs = MicroEvaluateOptions().epochs

    @Option(help: "Patch side in pixels at the model's scale.")
    var patch = MicroEvaluateOptions().patch

    @Option(help: "The model's scale in µm/px; every image is resampled to it.")
    var umPerPxModel = MicroEvaluateOptions().umPerPxModel

    @Option(help: "Random patches per image.")
    var patchesPerImage = MicroEvaluateOptions().patchesPerImage

    @Option(help: "Peak learning rate (AdamW, warm-up then cosine decay).")
    var learningRate = MicroEvaluateOptions().learningRate

    @Option(help: "Augmentation of training patches: \(GradingAugmentation.allCases.map(\.rawValue).joined(separator: ", ")).")
    var augmentation = MicroEvaluateOptions().augmentation

    @Option(help: "Share of each fold's training specimens held out for validation (best epoch, early stopping); 0 for none.")
    var validationFraction = MicroEvaluateOptions().validationFraction

    @Option(help: "Epochs without a better validation loss before training stops.")
    var patience = MicroEvaluateOptions().patience

    @OptionGroup var calibrationFlags: CalibrationFlags

    @Flag(help: "Print evaluation.json on stdout instead of the summary.")
    var json = false

    @Flag(help: "No progress output.")
    var quiet = false

    @Option(help: "Compute threads for every kernel and OpenBLAS (default: one per core).")
    var threads: Int = 0

    var options: MicroEvaluateOptions {
        var o = MicroEvaluateOptions()
        o.folds = folds
        o.seeds = seeds
        o.architecture = architecture
        o.baseline = baseline
        o.epochs = epochs
        o.patch = patch
        o.umPerPxModel = umPerPxModel
        o.patchesPerImage = patchesPerImage
        o.learningRate = learningRate
        o.augmentation = augmentation
        o.validationFraction = validationFraction
        o.patience = patience
        o.calibration = calibrationFlags.options
        return o
    }

    func validate() throws { try usage { try options.validate() } }

    func run() throws {
        let dataset: GradingDataset
        var evaluation: SpecimenCrossValidation
        do {
            let options = self.options
            try options.validate()
            dataset = try GradingDataset.load(data, reader: ImageReaders.all)
            let quiet = self.quiet || json
            evaluation = SpecimenCrossValidation(options: options, calibration: try options.calibration.calibration(), report: { line in
                if !quiet { FileHandle.standardError.write(Data("evaluate: \(line)\n".utf8)) }
            })
            evaluation.progress = .automatic(quiet: quiet)
            evaluation.reader = ImageReaders.all
        } catch { throw fail(error) }
        applyComputeThreads(threads)
        do {
            let result = try evaluation.run(dataset)
            let command = (["reticle"] + CommandLine.arguments.dropFirst()).joined(separator: " ")
            try CrossValidationReport.write(result, command: command, to: URL(fileURLWithPath: out))
            if json {
                print(JSONValue.object(try result.json).serialized(pretty: true))
            } else {
                print(try result.summary, terminator: "")
                print("wrote \(out)/report.html and \(out)/evaluation.json")
            }
        } catch { throw fail(error) }
    }
}
