// `med train-tiles`: a tile classifier trained through the shared Trainer on stain-normalised
// tiles, saved with a manifest that carries tile size, µm/px, classes and the fitted stain
// normaliser, so `med slides` prepares tiles exactly as training did.

import Foundation
import Shared

public struct TileTrainer {
    public struct Result {
        public var network: Network
        public var manifest: ModelManifest
        public var validationAccuracy: Double?
        public var trainCount: Int
        public var validationCount: Int
    }

    public let options: MedTrainTilesOptions
    public var progress: ProgressReporter.Mode = .quiet

    public init(options: MedTrainTilesOptions) { self.options = options }

    public func train(_ data: TileDataset, stain: StainNormalizer, log: URL? = nil) throws -> Result {
        let tiles = data.tiles.map { stain.apply($0).image }
        // Per-channel mean and spread of the training tiles: the network's input normalisation.
        var sum = [Double](repeating: 0, count: 3), sq = [Double](repeating: 0, count: 3)
        var n = 0.0
        for t in tiles {
            guard case .uint8(let px) = t.storage else { continue }
            for i in 0..<(px.count / 3) { for c in 0..<3 { let v = Double(px[3 * i + c]) / 255; sum[c] += v; sq[c] += v * v } }
            n += Double(px.count / 3)
        }
        let mean = sum.map { Float($0 / max(n, 1)) }
        let std = (0..<3).map { Float(max(0.02, (sq[$0] / max(n, 1) - Double(mean[$0]) * Double(mean[$0])).squareRoot())) }
        let preprocessing = Preprocessing(height: options.tileSize, width: options.tileSize, channels: 3, mean: mean, std: std,
                                          scale: options.umPerPx, scaleUnit: "um/px")
        let images = SlideTileModel.tensor(tiles, preprocessing: preprocessing)
        let samples = TensorSamples(images: images, labels: [data.labels])
        let split = DataSplit.stratified(labels: data.labels, groups: data.groups,
                                         validationFraction: options.validationFraction, seed: options.seed)
        let train = split.train.isEmpty ? Array(data.labels.indices) : split.train

        let spec = ModelSpec(architecture: ModelSpec.Architecture(rawValue: options.architecture), inputChannels: 3,
                             heads: [HeadSpec(name: "class", classes: data.classes)], compactWidths: try options.stageWidths())
        let network = try Network(spec: spec, seed: options.seed)
        var config = TrainerConfig()
        config.epochs = options.epochs
        config.batchSize = options.batchSize
        let steps = options.epochs * ((train.count + options.batchSize - 1) / options.batchSize)
        config.learningRate = LearningRateSchedule(base: options.learningRate, .cosine(total: steps, minimum: options.learningRate / 50),
                                                   warmupSteps: min(steps / 10, 50))
        config.augmentation.horizontalFlip = true
        config.augmentation.verticalFlip = true
        config.augmentation.rotate90 = true
        config.seed = options.seed
        let trainer = Trainer(network: network, config: config)
        let bar = ProgressReporter(label: "train-tiles", total: steps, mode: progress)
        trainer.progress = { _, _, _, loss in bar.advance(note: String(format: "loss %.3f", loss)) }
        _ = try trainer.fit(samples, train: train, validation: split.validation, log: log)
        bar.finish()
        let accuracy = split.validation.isEmpty ? nil : try trainer.evaluate(samples, split.validation).accuracy.first

        var slide = JSONObject()
        slide["tile_size"] = .int(options.tileSize)
        slide["um_per_px"] = .number(options.umPerPx)
        slide["classes"] = .array(data.classes.map(JSONValue.string))
        slide["stain_normalizer"] = try stain.json
        var provenance = JSONObject()
        provenance[SlideTileModel.provenanceKey] = .object(slide)
        provenance["data_source"] = .string(data.source)
        provenance["samples"] = .int(data.tiles.count)
        provenance["train_samples"] = .int(train.count)
        provenance["validation_samples"] = .int(split.validation.count)
        provenance["validation_accuracy"] = accuracy.map(JSONValue.number) ?? .null
        provenance["options"] = try options.encoded
        let manifest = ModelManifest(spec: spec, preprocessing: preprocessing, provenance: provenance)
        return Result(network: network, manifest: manifest, validationAccuracy: accuracy,
                      trainCount: train.count, validationCount: split.validation.count)
    }
}
