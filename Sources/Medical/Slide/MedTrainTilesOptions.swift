// The options of `reticle med train-tiles`: tile size and scale, architecture, optimisation and
// the stain normaliser (fitted on a reference image). Where the model goes is a run option.

import Foundation
import Shared

public struct MedTrainTilesOptions: CommandOptions {
    public static let command = "med train-tiles"

    public var epochs = 10
    /// Tile side in pixels at the model's scale.
    public var tileSize = 64
    /// The model's scale in µm/px; slide regions are tiled at it (folder tiles are taken as they are).
    public var umPerPx = 1.0
    /// Architecture name (the model registry's key).
    public var architecture = "compact-cnn"
    /// Stage widths of the compact CNN, comma-separated.
    public var widths = "16,32,64"
    public var learningRate: Float = 3e-3
    public var batchSize = 32
    /// Stain normalisation: none, reinhard or macenko.
    public var stain = StainNormalizer.Method.none
    /// RGB reference image the stain normaliser is fitted on (required unless --stain none).
    public var stainReference: String?
    /// Annotation polygons label tiles whose centre (centre) or at least half the area (area) they cover.
    public var regionRule = TileDataset.RegionRule.centre
    /// µm/px of level 0 for region slides that carry no scale.
    public var mpp: Double?
    /// Fraction of regions (or folder tiles) held out for validation.
    public var validationFraction = 0.2
    public var seed: UInt64 = 1

    public init() {}

    public var referencedFiles: [String: String] { stainReference.map { ["stain-reference": $0] } ?? [:] }

    public func validate() throws {
        guard (1...10_000).contains(epochs) else { throw ReticleError(.usage, "--epochs must be 1–10000") }
        guard (8...1024).contains(tileSize) else { throw ReticleError(.usage, "--tile-size must be 8–1024 pixels") }
        guard umPerPx.isFinite, SlideScale.plausible.contains(umPerPx) else { throw ReticleError(.usage, "--um-per-px must be within 0.05–50") }
        guard ModelSpec.Architecture.allCases.contains(ModelSpec.Architecture(rawValue: architecture)) else {
            throw ReticleError(.usage, "--architecture \"\(architecture)\" is not one of \(ModelSpec.Architecture.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        _ = try stageWidths()
        guard learningRate.isFinite, learningRate > 0 else { throw ReticleError(.usage, "--learning-rate must be positive") }
        guard (1...4096).contains(batchSize) else { throw ReticleError(.usage, "--batch-size must be 1–4096") }
        guard stain == .none || stainReference != nil else { throw ReticleError(.usage, "--stain \(stain.rawValue) needs --stain-reference IMAGE") }
        guard validationFraction.isFinite, validationFraction >= 0, validationFraction < 0.9 else {
            throw ReticleError(.usage, "--validation-fraction must be in [0, 0.9)")
        }
        if let mpp { guard mpp.isFinite, SlideScale.plausible.contains(mpp) else { throw ReticleError(.usage, "--mpp must be within 0.05–50 µm/px") } }
    }

    public func stageWidths() throws -> [Int] { try ModelSpec.stageWidths(parsing: widths) }

    /// The stain normaliser these options ask for, fitted on the reference image.
    public func stainNormalizer() throws -> StainNormalizer {
        guard stain != .none, let ref = stainReference else { return .identity }
        let image = try TileDataset.rgbTile(try ImageFile.read(path: ref), size: 0, file: ref, keepSize: true)
        return try StainNormalizer.fit(stain, reference: image, file: ref)
    }
}
