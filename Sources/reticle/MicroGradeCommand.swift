// `reticle micro grade INPUT... --model M --out DIR`: type and needle class per image and per
// specimen, review flags, optional grain size and Grad-CAM overlays, report.html.
import ArgumentParser
import Foundation
import Microstructure
import Shared

extension MicroGradeOptions.Explain: ExpressibleByArgument {}

struct MicroGradeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "grade",
        abstract: "Grade micrographs: type and needle-length class (house scale), review flags, report.html.",
        discussion: """
        Images are calibrated (same options as calibrate), resampled to the model's µm/px and \
        classified patch by patch away from the scale bar. The needle-length class is a house scale \
        in the style of ISO 643 comparison charts, not an ISO 643 G number; --grain-size adds a \
        measured G (--standard astm-e112 or iso-643) on equiaxed images; images graded \
        martensite or bainite get a refusal with the reason, or their packet size with --lath-size. Results: DIR/items/, results.csv/jsonl, specimens.json, report.html. \
        Every option (the specimen grouping too) joins the settings: a rerun with any option \
        changed regrades, an unchanged one redoes nothing.
        """)

    @Argument(help: "Micrographs: files, folders or @list files.")
    var inputs: [String]

    @Option(help: "Grading model (.safetensors from micro train).")
    var model: String

    @Option(help: "Explanation overlays: gradcam.")
    var explain: MicroGradeOptions.Explain?

    @Flag(help: "Also measure grain size (planimetric and intercept); refused on martensite/bainite unless --lath-size.")
    var grainSize = false

    @Option(help: "Grain-size standard: astm-e112 or iso-643.")
    var standard: GrainSizeStandard = .astmE112

    @Flag(help: "With --grain-size, measure the packet size of images graded martensite/bainite.")
    var lathSize = false

    @Option(help: "Regular expression on file names whose first group (or match) names the specimen.")
    var specimenPattern: String?

    @Option(help: "Manifest CSV (image, specimen) that names each image's specimen.")
    var specimenManifest: String?

    @Option(help: "Type confidence (after the model's temperature) below which an image goes to the review queue.")
    var minConfidence = MicroGradeOptions().minConfidence

    @Option(help: "Needle-class confidence below which an image goes to the review queue.")
    var minNeedleConfidence = MicroGradeOptions().minNeedleConfidence

    @Option(help: "Share of an image's crops calling another type above which it goes to the review queue.")
    var maxCropDisagreement = MicroGradeOptions().maxCropDisagreement

    @Option(help: "Feature distance from the training images (multiple of their 95th percentile) above which an image is out of distribution.")
    var maxFeatureDistance = MicroGradeOptions().maxFeatureDistance

    @Flag(help: "Test-time augmentation: grade every patch in its 8 flips and quarter turns too.")
    var tta = false

    @OptionGroup var calibrationFlags: CalibrationFlags
    @OptionGroup var batch: BatchFlags

    var options: MicroGradeOptions {
        var o = MicroGradeOptions()
        o.model = model
        o.explain = explain
        o.grainSize = grainSize
        o.standard = standard
        o.lathSize = lathSize
        o.specimenPattern = specimenPattern
        o.specimenManifest = specimenManifest
        o.minConfidence = minConfidence
        o.minNeedleConfidence = minNeedleConfidence
        o.maxCropDisagreement = maxCropDisagreement
        o.maxFeatureDistance = maxFeatureDistance
        o.tta = tta
        o.calibration = calibrationFlags.options
        return o
    }

    func validate() throws { try usage { try options.validate() } }

    func run() throws {
        let options = self.options
        let job: MicrographGradingJob
        do {
            job = try options.job(calibration: try options.calibration.calibration(),
                                  overlaysDir: batch.out.map { URL(fileURLWithPath: $0).appendingPathComponent("overlays") },
                                  reader: ImageReaders.all)
        } catch {
            throw fail(error)
        }
        try batch.runBatch(inputs, label: "grade", options: options, subfolders: ["overlays"],
                           report: { outDir in try options.writeReport(job, to: outDir).line },
                           table: GradingReport.terminalTable,
                           work: { item in try job.grade(item) })
    }
}
