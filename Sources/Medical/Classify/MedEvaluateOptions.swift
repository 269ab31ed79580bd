// The options of `reticle med evaluate`: the model, which split, the decision threshold of a
// binary task, the bootstrap and the calibration bins; `--labels` replaces the labels CSV the
// model was trained with (when the data moved).

import Foundation
import Shared

public struct MedEvaluateOptions: CommandOptions {
    public static let command = "med evaluate"

    public var model = ""
    /// "train", "val" (or "validation"), "test", or "all".
    public var split = "test"
    /// Binary tasks: the positive probability at or above which a sample is called positive.
    public var threshold = 0.5
    /// Bootstrap resamples for the 95 % intervals (0: none).
    public var bootstrap = 1000
    /// What the bootstrap resamples: whole patients (when the data names them; images otherwise) or single images.
    public var bootstrapBy = BootstrapUnit.patient
    public enum BootstrapUnit: String, Codable, CaseIterable, Sendable { case patient, image }
    /// Equal-width confidence bins of the calibration error.
    public var bins = 15
    /// Labels CSV for folder data (default: the one the model was trained with).
    public var labels: String?
    public var seed: UInt64 = 0
    /// Concept bottleneck models: concepts CSV of this data (default: the one the model was trained with).
    public var concepts: String?
    /// Concept bottleneck models: concepts set by hand, `name=0|1,...`.
    public var intervene: String?
    /// Concept bottleneck models: concepts set to each image's true value from the data's concepts CSV,
    /// `all` or names separated by commas (the test-time intervention of Koh et al. with an expert's answers).
    public var interveneTrue: String?

    public init() {}

    public var modelFile: String? { model }
    public var referencedFiles: [String: String] {
        var files: [String: String] = [:]
        if let labels { files["labels"] = labels }
        if let concepts { files["concepts"] = concepts }
        return files
    }

    public func validate() throws {
        guard !model.isEmpty else { throw ReticleError(.usage, "--model names the model file (.safetensors from med train)") }
        guard ["train", "val", "validation", "test", "all"].contains(split) else {
            throw ReticleError(.usage, "--split must be train, val, test or all, got \"\(split)\"")
        }
        guard threshold.isFinite, (0...1).contains(threshold) else { throw ReticleError(.usage, "--threshold must be within 0…1") }
        guard (0...100_000).contains(bootstrap) else { throw ReticleError(.usage, "--bootstrap must be 0–100000 resamples") }
        guard (1...100).contains(bins) else { throw ReticleError(.usage, "--bins must be 1–100") }
    }
}
