// The options of `reticle med slides`: the tile model, the scale fallback, tissue detection,
// tiling threshold, the MIL model, aggregation and batching. Every field joins the settings hash.

import Foundation
import Shared

public struct MedSlidesOptions: CommandOptions {
    public static let command = "med slides"

    /// Tile classification model (.safetensors from med train-tiles).
    public var model = ""
    /// µm/px of level 0 for slides that carry no scale at all (never overrides the slide's own).
    public var mpp: Double?
    /// Tissue detection preset.
    public var tissuePreset = TissueDetector.Preset.biopsy
    /// Minimum tissue fraction of a tile for it to be classified.
    public var minTissue = 0.5
    /// Attention-MIL model (.safetensors from med train-slides) trained on this tile model's features.
    public var mil: String?
    /// How tile probabilities become the slide's (attention: by the MIL model).
    public var aggregation = SlideAggregation.mean
    /// k of the top-k aggregation.
    public var topK = 8
    /// Tiles per forward pass (and the reader's look-ahead is two batches).
    public var batchSize = 16
    /// Class the heatmap shows (default: the model's last class).
    public var heatmapClass: String?

    public init() {}

    public var modelFile: String? { model }

    public var referencedFiles: [String: String] { mil.map { ["mil": $0] } ?? [:] }

    public func validate() throws {
        guard !model.isEmpty else { throw ReticleError(.usage, "--model names the tile model (.safetensors from med train-tiles)") }
        if let mpp { guard mpp.isFinite, SlideScale.plausible.contains(mpp) else { throw ReticleError(.usage, "--mpp must be within 0.05–50 µm/px") } }
        guard minTissue.isFinite, minTissue > 0, minTissue <= 1 else { throw ReticleError(.usage, "--min-tissue must be in (0, 1]") }
        guard (1...10_000).contains(topK) else { throw ReticleError(.usage, "--top-k must be 1–10000") }
        guard aggregation != .attention || mil != nil else {
            throw ReticleError(.usage, "--aggregation attention needs a MIL model (--mil MIL from med train-slides)")
        }
        guard (1...1024).contains(batchSize) else { throw ReticleError(.usage, "--batch-size must be 1–1024") }
    }

    /// The per-slide job these options describe.
    public func classifier(outDir: URL?, progress: ProgressReporter.Mode) throws -> SlideClassifier {
        try SlideClassifier(options: self, model: try SlideTileModel.load(model), outDir: outDir, progress: progress)
    }
}
