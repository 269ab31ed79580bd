// The options of `reticle micro grade`: the model, explanations, grain size, how images are
// grouped into specimens, the review threshold and calibration. Every field joins the
// settings hash, so a rerun with another specimen grouping regrades.

import Foundation
import Shared

public struct MicroGradeOptions: CommandOptions {
    public static let command = "micro grade"

    public enum Explain: String, Codable, CaseIterable, Sendable { case gradcam }

    /// Grading model (.safetensors from micro train).
    public var model = ""
    /// Explanation overlays.
    public var explain: Explain?
    /// Also measure grain size (planimetric and intercept, ASTM E112).
    public var grainSize = false
    /// Grain-size standard (ASTM E112 or ISO 643).
    public var standard = GrainSizeStandard.astmE112
    /// With `grainSize`: packet size for images graded martensite/bainite instead of a refusal.
    public var lathSize = false
    /// Regular expression on file names whose first group (or match) names the specimen.
    public var specimenPattern: String?
    /// Manifest CSV (image, specimen) naming each image's specimen; beats the pattern.
    public var specimenManifest: String?
    /// Type confidence (after temperature scaling) below which an image goes to the review queue.
    public var minConfidence = 0.6
    /// Needle-class confidence below which an image goes to the review queue.
    public var minNeedleConfidence = ReviewPolicy().minimumNeedleConfidence
    /// Share of crops calling another type above which an image goes to the review queue.
    public var maxCropDisagreement = ReviewPolicy().maximumCropDisagreement
    /// Feature distance (multiple of the training 95th percentile) above which an image is out of distribution.
    public var maxFeatureDistance = ReviewPolicy().maximumFeatureDistance
    /// Test-time augmentation: every patch also graded in its 8 flips and quarter turns.
    public var tta = false
    public var calibration = CalibrationOptions()

    public init() {}

    public var modelFile: String? { model }
    public var referencedFiles: [String: String] { specimenManifest.map { ["specimen-manifest": $0] } ?? [:] }

    public func validate() throws {
        guard !model.isEmpty else { throw ReticleError(.usage, "--model names the grading model (.safetensors)") }
        for (flag, v) in [("--min-confidence", minConfidence), ("--min-needle-confidence", minNeedleConfidence),
                          ("--max-crop-disagreement", maxCropDisagreement)] where !(v.isFinite && (0...1).contains(v)) {
            throw ReticleError(.usage, "\(flag) must be between 0 and 1, got \(v)")
        }
        guard maxFeatureDistance.isFinite, maxFeatureDistance > 0 else {
            throw ReticleError(.usage, "--max-feature-distance must be a positive multiple, got \(maxFeatureDistance)")
        }
        try calibration.validate()
    }

    /// Which specimen each image belongs to: the manifest, else the pattern, else the default rule.
    public func grouping() throws -> SpecimenGrouping {
        try specimenManifest.map(SpecimenGrouping.manifest(at:))
            ?? SpecimenGrouping(specimenPattern.map { .pattern($0) } ?? .defaultRule)
    }

    /// The grading job these options describe; overlays (thumbnails, Grad-CAM) go to
    /// `overlaysDir` when there is one (the batch runner makes it after the output folder's write check).
    public func job(calibration resolver: MicrographCalibration, overlaysDir: URL?,
                    reader: ImageReader = .rasters) throws -> MicrographGradingJob {
        var policy = ReviewPolicy()
        policy.minimumConfidence = minConfidence
        policy.minimumNeedleConfidence = minNeedleConfidence
        policy.maximumCropDisagreement = maxCropDisagreement
        policy.maximumFeatureDistance = maxFeatureDistance
        policy.testTimeAugmentation = tta
        let grader = try MicrographGrader(modelFile: URL(fileURLWithPath: model), policy: policy)
        // `model quantize` calibrates on inputs prepared from the manifest (dataset mean and std, metadata
        // scale), not on the per-patch standardised patches grading cuts: on the demo micrographs such a model
        // changed 7 of 10 types. Only `micro quantize` calibrates on the grader's own patches.
        if grader.network.isQuantized,
           grader.manifest.provenance[QuantizedModel.sectionKey]?["inputs"]?.stringValue != MicroQuantizeOptions.inputsName {
            throw ReticleError(.usage, file: model, "this int8 model was calibrated on generically prepared inputs (`model quantize`), not on micrograph grading patches, and such a model changed 7 of 10 demo types: quantise the fp32 model with `reticle micro quantize`")
        }
        if explain != nil && TextureClassifier.isFeatureModel(grader.network) {
            throw ReticleError(.usage, file: model, "--explain gradcam needs a CNN: this \(grader.manifest.spec.architecture) model has no layer with a spatial map (grade without --explain)")
        }
        return MicrographGradingJob(grader: grader, calibration: resolver, grouping: try grouping(),
                                    grainSize: grainSize ? GrainSizeAnalysis(standard: standard, lathSize: lathSize) : nil,
                                    explain: explain != nil, overlaysDir: overlaysDir, reader: reader)
    }

    /// After the batch: report.html, results.csv (fixed columns), specimens.csv and specimens.json over every item
    /// in `outDir` (shards copied in included), grouped as `job` groups; the run's summary.
    @discardableResult
    public func writeReport(_ job: MicrographGradingJob, to outDir: URL) throws -> GradingReport.Summary {
        let all = try ItemStore(outDir: outDir, create: false).allRecords().records
        let specimens = SpecimenGrade.aggregate(all, grouping: job.grouping)
        return try GradingReport.write(all, specimens: specimens, modelPath: model, modelWarnings: job.grader.warnings,
                                       settings: try encoded, to: outDir)
    }
}
