// `reticle med classify INPUT... --model M --out DIR`: per-file calls, overlays, report.html.
import ArgumentParser
import Foundation
import Medical
import Shared

extension ExplainMethod: ExpressibleByArgument {}

struct MedClassifyCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "classify",
        abstract: "Classify medical images (PNG, JPEG, TIFF, DICOM) with a med train model: results.csv, overlays, report.html.",
        discussion: """
        Each input is read as training read it (DICOM: first frame, modality LUT, the file's VOI \
        window), resampled to the model's size and classified; probabilities are temperature-scaled, \
        ensembles add member disagreement and entropy. --labels CSV (file/series/patient, label) adds \
        the truth, evaluation.json and, in report.html, the ROC curve and reliability diagram. \
        An .npz (MedMNIST layout) input gives one row per image of --split, with ids \
        file.npz#split/index and the archive's labels as the truth. \
        Results: DIR/items/, results.csv/jsonl, overlays/, report.html.
        """)

    @Argument(help: "Images, DICOM files or .npz archives: files, folders or @list files.")
    var inputs: [String]

    @Option(help: "Model file (.safetensors from med train or model ensemble).")
    var model: String

    @Option(help: "Saliency overlays: \(ExplainMethod.allCases.map(\.rawValue).joined(separator: ", ")).")
    var explain: ExplainMethod?

    @Option(help: "CSV of true labels (file, series or patient; label).")
    var labels: String?

    @Option(help: "Binary tasks: positive probability at or above which an image is called positive.")
    var threshold = MedClassifyOptions().threshold

    @Option(help: "Concept bottleneck models: set concepts by hand for every image, name=0|1,...")
    var intervene: String?

    @Option(help: ".npz inputs: the split whose images are classified (train, val or test).")
    var split = MedClassifyOptions().split

    @Option(help: "Confidence below which an image goes to the review queue.")
    var minConfidence = MedClassifyOptions().minConfidence

    @OptionGroup var batch: BatchFlags

    var options: MedClassifyOptions {
        var o = MedClassifyOptions()
        o.model = model
        o.explain = explain
        o.labels = labels
        o.threshold = threshold
        o.split = split
        o.intervene = intervene
        o.minConfidence = minConfidence
        return o
    }

    func validate() throws { try usage { try options.validate() } }

    func run() throws {
        let options = self.options
        let job: MedicalClassifyJob
        do {
            job = try options.job(overlaysDir: batch.out.map { URL(fileURLWithPath: $0).appendingPathComponent("overlays") })
        } catch { throw fail(error) }
        try batch.runBatch(inputs, label: "classify", options: options, subfolders: ["overlays"],
                           finish: { outDir in try MedicalClassifyReport.write(job, to: outDir) },
                           expand: { job.expand($0) },
                           work: { item in try job.classify(item) })
    }
}
