// The options of `reticle med train-slides`: the tile model whose features the MIL reads, how
// slides are tiled (as med slides does), the attention-MIL size and its optimisation. Where the
// model and the feature cache go are run options.

import Foundation
import Shared

public struct MedTrainSlidesOptions: CommandOptions {
    public static let command = "med train-slides"

    /// Tile model (.safetensors from med train-tiles) whose penultimate layer gives the tile features.
    public var tileModel = ""
    /// µm/px of level 0 for slides that carry no scale.
    public var mpp: Double?
    public var tissuePreset = TissueDetector.Preset.biopsy
    /// Minimum tissue fraction of a tile for it to join its slide's bag.
    public var minTissue = 0.5
    /// Tiles per forward pass of the tile model.
    public var batchSize = 16
    public var epochs = 40
    /// Width of the attention's hidden layer.
    public var hidden = 64
    public var learningRate: Float = 1e-3
    /// Fraction of slides held out for validation (split by slide, stratified by label).
    public var validationFraction = 0.25
    public var seed: UInt64 = 1

    public init() {}

    public var modelFile: String? { tileModel }

    public func validate() throws {
        guard !tileModel.isEmpty else { throw ReticleError(.usage, "--tile-model names the tile model (.safetensors from med train-tiles)") }
        if let mpp { guard mpp.isFinite, SlideScale.plausible.contains(mpp) else { throw ReticleError(.usage, "--mpp must be within 0.05–50 µm/px") } }
        guard minTissue.isFinite, minTissue > 0, minTissue <= 1 else { throw ReticleError(.usage, "--min-tissue must be in (0, 1]") }
        guard (1...1024).contains(batchSize) else { throw ReticleError(.usage, "--batch-size must be 1–1024") }
        guard (1...10_000).contains(epochs) else { throw ReticleError(.usage, "--epochs must be 1–10000") }
        guard (1...4096).contains(hidden) else { throw ReticleError(.usage, "--hidden must be 1–4096") }
        guard learningRate.isFinite, learningRate > 0 else { throw ReticleError(.usage, "--learning-rate must be positive") }
        guard validationFraction.isFinite, validationFraction >= 0, validationFraction < 0.9 else {
            throw ReticleError(.usage, "--validation-fraction must be in [0, 0.9)")
        }
    }

    /// The `med slides` options that tile and extract features exactly as these do.
    public var slidesOptions: MedSlidesOptions {
        var o = MedSlidesOptions()
        o.model = tileModel
        o.mpp = mpp
        o.tissuePreset = tissuePreset
        o.minTissue = minTissue
        o.batchSize = batchSize
        return o
    }

    /// The settings a cached feature file depends on (besides the slide and the tile model).
    public var tilingSettings: JSONObject {
        ["mpp": mpp.map(JSONValue.number) ?? .null, "tissue_preset": .string(tissuePreset.rawValue), "min_tissue": .number(minTissue)]
    }
}
