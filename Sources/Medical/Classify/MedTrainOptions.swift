// The options of `reticle med train`: how the data set is read (image size, labels CSV, split
// fractions for data without splits), the network, the loss and optimisation. Where the model
// goes is a run option.

import Foundation
import Shared

public struct MedTrainOptions: CommandOptions {
    public static let command = "med train"

    public enum LossKind: String, Codable, CaseIterable, Sendable {
        case crossEntropy = "cross-entropy"
        /// LibAUC's AUC-margin loss with PESG (binary tasks), after cross-entropy pre-training.
        case aucMargin = "auc-margin"
    }

    public enum ClassWeighting: String, Codable, CaseIterable, Sendable {
        /// Each class weighs N / (K·n_c) in the cross-entropy, so a rare class counts as much as a common one and the
        /// calls do not lean on the training set's class prior.
        case balanced
        case none
    }

    public var epochs = 30
    /// Architecture: "auto" (the compact CNN, measured best for 28–64 px images on a CPU), or a registry name.
    public var architecture = "auto"
    /// Stage widths of the compact CNN, comma-separated.
    public var widths = "32,64,128"
    public var loss = LossKind.crossEntropy
    /// Cross-entropy class weights (single-label tasks).
    public var classWeights = ClassWeighting.balanced
    /// Peak learning rate (AdamW, warm-up then cosine decay; PESG's rate for the AUC-margin stage is 0.1).
    public var learningRate: Float = 3e-3
    public var batchSize = 128
    public var seed: UInt64 = 1
    /// Leave out the temperature fitted on the validation split after training (it changes probabilities, never the calls).
    public var noTemperatureScaling = false
    public var data = MedicalDataOptions()
    /// Concept bottleneck training (with `data.concepts`): independent, sequential or joint; nil with concepts means joint.
    public var cbm: ConceptBottleneck.Mode?
    /// λ, the concept loss's weight in joint training.
    public var conceptWeight: Float = 1
    /// Width of the class head's hidden layer on the concepts (0: linear).
    public var conceptHidden = 0

    public init() {}

    public var referencedFiles: [String: String] { data.referencedFiles }

    public func validate() throws {
        guard (1...10_000).contains(epochs) else { throw ReticleError(.usage, "--epochs must be 1–10000") }
        guard architecture == "auto" || ModelSpec.Architecture.allCases.contains(ModelSpec.Architecture(rawValue: architecture)) else {
            throw ReticleError(.usage, "--architecture \"\(architecture)\" is not auto or one of \(ModelSpec.Architecture.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        _ = try stageWidths()
        guard learningRate.isFinite, learningRate > 0 else { throw ReticleError(.usage, "--learning-rate must be positive") }
        guard (1...4096).contains(batchSize) else { throw ReticleError(.usage, "--batch-size must be 1–4096") }
        try data.validate()
        guard cbm == nil || data.concepts != nil else { throw ReticleError(.usage, "--cbm needs --concepts CSV (file, one 0/1 column per concept)") }
        guard conceptWeight.isFinite, conceptWeight >= 0 else { throw ReticleError(.usage, "--concept-weight must be ≥ 0") }
        guard (0...4096).contains(conceptHidden) else { throw ReticleError(.usage, "--concept-hidden must be 0–4096") }
        if data.concepts != nil && loss == .aucMargin { throw ReticleError(.usage, "--loss auc-margin does not apply to concept bottleneck models") }
    }

    /// The concept bottleneck mode these options train, nil for a plain classifier.
    public var conceptMode: ConceptBottleneck.Mode? { data.concepts == nil ? nil : (cbm ?? .joint) }

    /// The architecture actually built.
    public var resolvedArchitecture: ModelSpec.Architecture { architecture == "auto" ? .compactCNN : ModelSpec.Architecture(rawValue: architecture) }

    public func stageWidths() throws -> [Int] { try ModelSpec.stageWidths(parsing: widths) }
}
