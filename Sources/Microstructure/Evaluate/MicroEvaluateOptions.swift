// The options of `reticle micro evaluate`: a training recipe (as `micro train` takes it), the
// baseline evaluated beside it, and the cross-validation by specimen (folds, seeds). Where the
// report goes is a run option.

import Foundation
import Shared

public struct MicroEvaluateOptions: CommandOptions {
    public static let command = "micro evaluate"
    /// Folds by specimen; 0 leaves one specimen out at a time.
    public var folds = 4
    /// Seeds, comma-separated: each repeats the whole cross-validation (patches, folds, initialisation).
    public var seeds = "1"
    /// The recipe's architecture (as `micro train --architecture`).
    public var architecture = MicroTrainOptions().architecture
    /// The architecture evaluated beside it on the same folds; "none" for none.
    public var baseline = TextureClassifier.architecture.rawValue
    public var epochs = MicroTrainOptions().epochs
    /// Patch side in pixels at the model's scale.
    public var patch = MicroTrainOptions().patch
    /// The model's scale in µm/px; every image is resampled to it.
    public var umPerPxModel = MicroTrainOptions().umPerPxModel
    /// Random patches per image.
    public var patchesPerImage = MicroTrainOptions().patchesPerImage
    /// Peak learning rate (AdamW, warm-up then cosine decay).
    public var learningRate = MicroTrainOptions().learningRate
    /// Augmentation of training patches (as `micro train --augmentation`).
    public var augmentation = MicroTrainOptions().augmentation
    /// Share of each fold's training specimens held out for validation (best epoch, early stopping); 0 for none.
    public var validationFraction = MicroTrainOptions().validationFraction
    public var patience = MicroTrainOptions().patience
    public var calibration = CalibrationOptions()

    public init() {}

    public func validate() throws {
        guard folds == 0 || (2...100).contains(folds) else { throw ReticleError(.usage, "--folds must be 0 (leave one specimen out) or 2…100, got \(folds)") }
        _ = try seedList()
        _ = try recipes()
        try calibration.validate()
    }

    /// The seeds from `seeds`.
    public func seedList() throws -> [UInt64] {
        let parts = seeds.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
        let values = parts.compactMap { UInt64($0) }
        guard !values.isEmpty, values.count == parts.count, values.count <= 20, Set(values).count == values.count else {
            throw ReticleError(.usage, "--seeds must be 1 to 20 distinct non-negative integers separated by commas, got \"\(seeds)\"")
        }
        return values
    }

    /// The recipes compared, by architecture name: the recipe first, then the baseline (unless none or the same).
    public func recipes() throws -> [(name: String, config: GradingTrainingConfig)] {
        var names = [architecture]
        if baseline != "none" && baseline != architecture { names.append(baseline) }
        return try names.map { name in
            var o = MicroTrainOptions()
            o.architecture = name
            o.epochs = epochs
            o.patch = patch
            o.umPerPxModel = umPerPxModel
            o.patchesPerImage = patchesPerImage
            o.learningRate = learningRate
            o.augmentation = augmentation
            o.validationFraction = validationFraction
            o.patience = patience
            return (name, try o.config())
        }
    }
}
