// Settings of `reticle micro train`: the physical scale and size of patches, the
// architecture, the optimisation and the split. Codable, so a protocol can pin it and the
// model's provenance records it.

import Foundation
import Shared

public struct GradingTrainingConfig: Codable, Equatable, Sendable {
    public var architecture = ModelSpec.Architecture.compactCNN
    /// Stage widths of the compact CNN. Four stages give a receptive field of about 34 px
    /// (34 µm at 1 µm/px): three (about 16 px) cannot tell needle classes 4 and 5 (16–32 and
    /// 32–64 µm) apart.
    public var compactWidths = [16, 32, 64, 128]
    /// Weighted convolution in the compact CNN: the 3×3 density profile [ρ, 1, ρ] (⊗ itself) multiplied into every
    /// kernel; nil for plain convolutions.
    public var convolutionDensity: [Double]?
    /// Spatial pyramid pooling levels in place of global average pooling (compact CNN); nil for global average pooling.
    public var spatialPyramidLevels: [Int]?
    /// Width multiplier for the published architectures (ResNet, MobileNet): small data wants small nets.
    public var widthMultiplier = 0.25
    /// Patch side in pixels at the model's scale.
    public var patchSize = 64
    /// The model's physical scale: every image is resampled to it.
    public var umPerPixel = 1.0
    /// Random patches drawn from each image (scale-bar masks avoided).
    public var patchesPerImage = 16
    public var epochs = 12
    public var batchSize = 32
    public var learningRate: Float = 3e-3
    /// Label smoothing on the type head: rater noise should not make the model over-confident.
    public var labelSmoothing: Float = 0.1
    /// Specimen share held out for the final evaluation and, when there are enough specimens, for model selection.
    public var testFraction = 0.25
    public var validationFraction = 0.15
    /// Below this many specimens there is no validation side (fixed epochs, last weights): on the UHCS set (13
    /// training specimens per fold) carving 2 of them out for validation cost more than early stopping gave.
    public var minimumSpecimensForValidation = 16
    /// What training patches go through before the network sees them (see `GradingAugmentation`). Geometric by
    /// measurement: lab augmentation lost 5 points per image on the UHCS real data (README), where scale and
    /// contrast between specimens carry part of the class; it stays a choice for data from several labs.
    public var augmentation = GradingAugmentation.geometric
    /// Stop after this many epochs without a better validation loss (with a validation side), keeping the best weights.
    public var earlyStoppingPatience = 6
    public var seed: UInt64 = 1
    /// Threads reading and preparing images.
    public var threads = 0

    public init() {}

    /// Checks the numbers a CLI passes through.
    public func validate() throws {
        guard (8...512).contains(patchSize) else { throw ReticleError(.usage, "--patch must be 8…512 px, got \(patchSize)") }
        try ScaleLimits.check(umPerPixel: umPerPixel, "--um-per-px-model")
        guard epochs >= 1, batchSize >= 1, patchesPerImage >= 1 else { throw ReticleError(.usage, "epochs, batch size and patches per image must be ≥ 1") }
        guard testFraction > 0, testFraction + validationFraction < 0.9 else { throw ReticleError(.usage, "the held-out fractions must leave a training set") }
    }

    /// The training settings as recorded in the model provenance.
    public var json: JSONValue { (try? JSONValue(encoding: self)) ?? .null }
}
