// `reticle med evaluate MODEL DATA [--split test] [--json]`: a model's figures on a split.
import ArgumentParser
import Foundation
import Medical
import Shared

extension MedEvaluateOptions.BootstrapUnit: ExpressibleByArgument {}

struct MedEvaluateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "evaluate",
        abstract: "Evaluate a medical image classifier on a split: ROC-AUC, PR-AUC, accuracy, calibration, 95 % intervals.",
        discussion: """
        DATA is read as the model was trained (an .npz's own splits; a folder split again by the \
        seed and fractions stored in the model). Prints ROC-AUC, PR-AUC, accuracy, balanced \
        accuracy, macro-F1, sensitivity and specificity at --threshold (binary), the confusion \
        matrix, percentile-bootstrap 95 % intervals and the expected calibration error; --json \
        prints them as one object (keys roc_auc, accuracy, ...).
        """)

    @Argument(help: "Model file (.safetensors from med train or model ensemble).")
    var model: String

    @Argument(help: "The data set (.npz or folder).")
    var data: String

    @Option(help: "Split: train, val, test or all.")
    var split = MedEvaluateOptions().split

    @Option(help: "Binary tasks: positive probability at or above which a sample is called positive.")
    var threshold = MedEvaluateOptions().threshold

    @Option(help: "Bootstrap resamples for the 95 % intervals (0: none).")
    var bootstrap = MedEvaluateOptions().bootstrap

    @Option(help: "Bootstrap unit: patient (whole patients, where the data names them) or image.")
    var bootstrapBy = MedEvaluateOptions().bootstrapBy

    @Option(help: "Confidence bins of the expected calibration error.")
    var bins = MedEvaluateOptions().bins

    @Option(help: "Labels CSV for folder data (default: the one the model was trained with).")
    var labels: String?

    @Option(help: "Concept bottleneck models: concepts CSV of this data (default: the training one).")
    var concepts: String?

    @Option(help: "Concept bottleneck models: set concepts by hand, name=0|1,...")
    var intervene: String?

    @Option(help: "Concept bottleneck models: set concepts to each image's true value from the concepts CSV (all, or names a,b).")
    var interveneTrue: String?

    @Option(help: "Seed of the bootstrap.")
    var seed = MedEvaluateOptions().seed

    @Flag(help: "Print the figures as one JSON object.")
    var json = false

    @Option(help: "Compute threads for every kernel and OpenBLAS (default: one per core).")
    var threads: Int = 0

    var options: MedEvaluateOptions {
        var o = MedEvaluateOptions()
        o.model = model
        o.split = split
        o.threshold = threshold
        o.bootstrap = bootstrap
        o.bootstrapBy = bootstrapBy
        o.bins = bins
        o.labels = labels
        o.seed = seed
        o.concepts = concepts
        o.intervene = intervene
        o.interveneTrue = interveneTrue
        return o
    }

    func validate() throws { try usage { try options.validate() } }

    func run() throws {
        applyComputeThreads(threads)
        do {
            let evaluation = try MedicalEvaluation.run(dataPath: data, options: options)
            print(json ? JSONValue.object(evaluation.json).serialized(pretty: true) : evaluation.summary, terminator: json ? "\n" : "")
        } catch { throw fail(error) }
    }
}
