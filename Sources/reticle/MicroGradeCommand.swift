// `reticle micro grade INPUT... --model M --out DIR`: type and needle class per image and per
// specimen, review flags, optional grain size and Grad-CAM overlays, report.html.
import ArgumentParser
import Foundation
import Microstructure
import Shared

struct MicroGradeCommand: ParsableCommand {
    enum ExplainMethod: String, ExpressibleByArgument, CaseIterable { case gradcam }

    static let configuration = CommandConfiguration(
        commandName: "grade",
        abstract: "Grade micrographs: type and needle-length class (house scale), review flags, report.html.",
        discussion: """
        Images are calibrated (same options as calibrate), resampled to the model's µm/px and \
        classified patch by patch away from the scale bar. The needle-length class is a house scale \
        in the style of ISO 643 comparison charts, not an ISO 643 G number; --grain-size adds a \
        measured G (ASTM E112). Results: DIR/items/, results.csv/jsonl, specimens.json, report.html.
        """)

    @Argument(help: "Micrographs: files, folders or @list files.")
    var inputs: [String]

    @Option(help: "Grading model (.safetensors from micro train).")
    var model: String

    @Option(help: "Explanation overlays: gradcam.")
    var explain: ExplainMethod?

    @Flag(help: "Also measure grain size (planimetric and intercept, ASTM E112).")
    var grainSize = false

    @Option(help: "Regular expression on file names whose first group (or match) names the specimen.")
    var specimenPattern: String?

    @Option(help: "Manifest CSV (image, specimen) that names each image's specimen.")
    var specimenManifest: String?

    @Option(help: "Type confidence below which an image goes to the review queue.")
    var minConfidence = 0.6

    @OptionGroup var calibrationFlags: CalibrationFlags
    @OptionGroup var batch: BatchFlags

    func run() throws {
        let job: MicrographGradingJob
        let modelHash: String
        var settings: JSONObject
        do {
            var policy = ReviewPolicy()
            policy.minimumConfidence = minConfidence
            let grader = try MicrographGrader(modelFile: URL(fileURLWithPath: model), policy: policy)
            guard let data = FileManager.default.contents(atPath: model) else { throw ReticleError(.io, file: model, "cannot read the model") }
            modelHash = FileFingerprint.sha256(data)
            let grouping = try specimenManifest.map(SpecimenGrouping.manifest(at:))
                ?? SpecimenGrouping(specimenPattern.map { .pattern($0) } ?? .defaultRule)
            let overlays = batch.out.map { URL(fileURLWithPath: $0).appendingPathComponent("overlays") }
            if let overlays { try FileManager.default.createDirectory(at: overlays, withIntermediateDirectories: true) }
            job = MicrographGradingJob(grader: grader, calibration: try calibrationFlags.calibration(), grouping: grouping,
                                       grainSize: grainSize, explain: explain != nil, overlaysDir: overlays)
            settings = ["command": "micro grade", "reticle": .string(ReticleVersion.string),
                        "model_sha256": .string(modelHash), "explain": explain.map { .string($0.rawValue) } ?? .null,
                        "grain_size": .bool(grainSize), "min_confidence": .number(minConfidence)]
            for (k, v) in calibrationFlags.settings { settings[k] = v }
        } catch {
            throw fail(error)
        }
        let model = self.model
        try batch.runBatch(inputs, label: "grade", settings: settings, finish: { outDir in
            // The report covers every item in the folder, shards copied in included.
            let all = try ItemStore(outDir: outDir, create: false).allRecords().records
            let specimens = SpecimenGrade.aggregate(all, grouping: job.grouping)
            try GradingReport.write(all, specimens: specimens, model: "\(model) (sha256 \(modelHash.prefix(12))…)", to: outDir)
        }) { item in try job.grade(item) }
    }
}
