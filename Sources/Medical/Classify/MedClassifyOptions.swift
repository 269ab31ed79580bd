// The options of `reticle med classify`: the model, explanations, the labels CSV that turns the
// report into an evaluation (ROC curve, reliability diagram), the binary threshold and the
// review threshold. Every field joins the settings hash.

import Foundation
import Shared

public struct MedClassifyOptions: CommandOptions {
    public static let command = "med classify"

    /// Model file (.safetensors from med train or model ensemble).
    public var model = ""
    /// Saliency overlay per image (any `ExplainMethod`); needs `--out`.
    public var explain: ExplainMethod?
    /// CSV naming each input's true label (file / series / patient, label), for the report's ROC and calibration plots.
    public var labels: String?
    /// Binary tasks: the positive probability at or above which an image is called positive.
    public var threshold = 0.5
    /// Concept bottleneck models: concepts set by hand for every image, `name=0|1,...` (values in 0…1).
    public var intervene: String?
    /// The split of an `.npz` input (MedMNIST layout) whose images are classified, one row each.
    public var split = "test"
    /// Confidence below which an image goes to the review queue (ensembles: also disagreement above 1 − this).
    public var minConfidence = 0.6

    public init() {}

    public var modelFile: String? { model }
    public var referencedFiles: [String: String] { labels.map { ["labels": $0] } ?? [:] }

    public func validate() throws {
        guard !model.isEmpty else { throw ReticleError(.usage, "--model names the classifier (.safetensors from med train)") }
        guard threshold.isFinite, (0...1).contains(threshold) else { throw ReticleError(.usage, "--threshold must be within 0…1") }
        guard ["train", "val", "test"].contains(split) else { throw ReticleError(.usage, "--split must be train, val or test, got \"\(split)\"") }
        guard minConfidence.isFinite, (0...1).contains(minConfidence) else { throw ReticleError(.usage, "--min-confidence must be within 0…1") }
    }

    /// The job these options describe; overlays and thumbnails go to `overlaysDir` when there is one (the batch runner makes it after the output folder's write check).
    public func job(overlaysDir: URL?) throws -> MedicalClassifyJob {
        let model = try MedicalModel.load(self.model)
        if let intervene { model.intervention = try model.parseIntervention(intervene) }
        if explain != nil && model.bottleneck != nil {
            throw ReticleError(.usage, file: self.model, "--explain is not offered for concept bottleneck models: their concepts are the explanation")
        }
        if let explain, explain != .occlusion, model.members.contains(where: \.isQuantized) {
            throw ReticleError(.usage, file: self.model, "--explain \(explain.rawValue) needs the fp32 model: this one is quantised to int8 (--explain occlusion works on it)")
        }
        if let explain, explain.needsSpatialLayer, (try? GradCAM(network: model.members[0])) == nil {
            throw ReticleError(.usage, file: self.model, "--explain \(explain.rawValue) needs a CNN with a spatial layer (occlusion works on any model)")
        }
        return MedicalClassifyJob(model: model, labels: try labels.map { try MedicalLabelTable(path: $0) }, options: self, overlaysDir: overlaysDir)
    }
}
