// The options of `reticle micro train`: patches, scale, architecture and optimisation, plus
// the calibration of the training images. Where the model goes is a run option.

import Foundation
import Shared

public struct MicroTrainOptions: CommandOptions {
    public static let command = "micro train"
    public var epochs = 12
    /// Patch side in pixels at the model's scale.
    public var patch = 64
    /// The model's scale in µm/px; every image is resampled to it.
    public var umPerPxModel = 1.0
    /// Random patches per image.
    public var patchesPerImage = 16
    /// Architecture name (the model registry's key), e.g. "compact-cnn", or "texture" for the LBP + co-occurrence baseline.
    public var architecture = GradingTrainingConfig().architecture.rawValue
    /// Stage widths of the compact CNN, comma-separated.
    public var widths = "16,32,64,128"
    /// Weighted convolution (compact CNN): the neighbours' density ρ in the 3×3 profile [ρ, 1, ρ]; nil for plain convolutions.
    public var weightedConv: Double?
    /// Spatial pyramid pooling levels (compact CNN), comma-separated, e.g. "1,2,4"; nil for global average pooling.
    public var spp: String?
    /// Peak learning rate (AdamW, warm-up then cosine decay).
    public var learningRate: Float = 3e-3
    /// Label smoothing of the type head.
    public var labelSmoothing: Float = 0.1
    /// Seed for patches, split, initialisation and shuffling.
    public var seed: UInt64 = 1
    /// Augmentation of training patches: none, geometric, lab (see `GradingAugmentation`).
    public var augmentation = GradingTrainingConfig().augmentation.rawValue
    /// Specimen shares held out for the evaluation and for validation (model selection, early stopping).
    public var testFraction = GradingTrainingConfig().testFraction
    public var validationFraction = GradingTrainingConfig().validationFraction
    /// Epochs without a better validation loss before training stops.
    public var patience = GradingTrainingConfig().earlyStoppingPatience
    public var calibration = CalibrationOptions()

    public init() {}

    public func validate() throws {
        _ = try config()
        try calibration.validate()
    }

    /// Every architecture `--architecture` accepts, the texture baseline included.
    public static var architectureNames: [String] {
        TextureClassifier.register()
        return ModelSpec.Architecture.allCases.map(\.rawValue)
    }

    /// The stage widths from `widths`.
    public func stageWidths() throws -> [Int] { try ModelSpec.stageWidths(parsing: widths) }

    /// The trainer's configuration these options describe, validated.
    public func config() throws -> GradingTrainingConfig {
        TextureClassifier.register()
        var config = GradingTrainingConfig()
        config.epochs = epochs
        config.patchSize = patch
        config.umPerPixel = umPerPxModel
        config.patchesPerImage = patchesPerImage
        let arch = ModelSpec.Architecture(rawValue: architecture)
        guard ModelSpec.Architecture.allCases.contains(arch) else {
            throw ReticleError(.usage, "--architecture \"\(architecture)\" is not one of \(ModelSpec.Architecture.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        config.architecture = arch
        config.labelSmoothing = labelSmoothing
        config.learningRate = learningRate
        config.compactWidths = try stageWidths()
        if let rho = weightedConv {
            guard rho.isFinite, rho > 0, rho <= 10 else { throw ReticleError(.usage, "--weighted-conv must be a density in (0, 10], got \(rho)") }
            config.convolutionDensity = [rho, 1, rho]
        }
        if let spp {
            let levels = spp.split(separator: ",").compactMap { Int($0.trimmingCharacters(in: .whitespaces)) }
            guard !levels.isEmpty, levels.count == spp.split(separator: ",").count, levels.allSatisfy({ (1...16).contains($0) }) else {
                throw ReticleError(.usage, "--spp must be pyramid levels 1…16 separated by commas, got \"\(spp)\"")
            }
            config.spatialPyramidLevels = levels
        }
        if (weightedConv != nil || spp != nil) && config.architecture != .compactCNN {
            throw ReticleError(.usage, "--weighted-conv and --spp apply to the compact CNN, not \(config.architecture)")
        }
        config.seed = seed
        guard let aug = GradingAugmentation(rawValue: augmentation) else {
            throw ReticleError(.usage, "--augmentation \"\(augmentation)\" is not one of \(GradingAugmentation.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        config.augmentation = aug
        guard testFraction.isFinite, validationFraction.isFinite, validationFraction >= 0 else {
            throw ReticleError(.usage, "--test-fraction and --validation-fraction must be fractions of the specimens")
        }
        config.testFraction = testFraction
        config.validationFraction = validationFraction
        guard patience >= 1 else { throw ReticleError(.usage, "--patience must be at least 1 epoch, got \(patience)") }
        config.earlyStoppingPatience = patience
        try config.validate()
        return config
    }
}
