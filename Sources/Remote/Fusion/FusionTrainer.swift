// `remote train` as a library call: load the scene, split its labels by the chosen protocol, fit
// each modality's band preprocessing, train the registered two-branch (or single-branch) patch
// CNN with the core Trainer, and evaluate on the held-out pixels (or the official test raster).

import Foundation
import Shared

public struct FusionTrainingResult {
    public var network: Network
    public var manifest: ModelManifest
    public var info: FusionModelInfo
    public var split: SamplingProtocol.Split
    /// On the held-out pixels of the split, or on the official test raster.
    public var evaluation: ClassificationAccuracy?
    public var epochs: [EpochRecord]
    public var secondsPerEpoch: Double
}

public struct FusionTrainer {
    public var options: RemoteTrainOptions
    public var progress: ProgressReporter.Mode = .quiet
    /// Receives warnings and notes (the split, a random-pixel warning) as lines.
    public var report: (String) -> Void = { _ in }

    public init(options: RemoteTrainOptions) { self.options = options }

    public func train(log: URL? = nil) throws -> FusionTrainingResult {
        try options.validate()
        let kind = try options.kind()
        let layers = try LidarLayer.list(options.lidarLayers)
        let inputs = try FusionInputs.load(hsi: options.hsi, lidar: options.lidar, layers: layers,
                                           hsiVariable: options.hsiVariable, lidarVariable: options.lidarVariable)
        let labels = try LabelRaster.read(options.labels, grid: inputs.grid, variable: options.labelsVariable,
                                          unlabelled: options.unlabelled)
        try labels.check(against: inputs.grid)
        let split = try options.sampling().split(labels)
        for w in split.warnings { report("warning: \(w)") }
        report("split: \(JSONValue.object(split.description).serialized())")
        guard !split.train.isEmpty else { throw ReticleError(.usage, file: options.labels, "no labelled pixels to train on") }

        let family = try options.family()
        var info = FusionModelInfo(kind: kind, family: family, patch: family == .patchFree ? 1 : options.patch, classes: labels.names,
                                   hsi: nil, lidar: nil, lidarLayers: nil, wavelengths: nil)
        if kind.usesHSI, let cube = inputs.hsi {
            info.hsi = try BandPreprocessing.fit(cube, badBands: try options.badBandList(), components: options.pca)
            info.wavelengths = cube.wavelengths
        }
        if kind.usesLidar, let raster = inputs.lidar {
            info.lidar = try BandPreprocessing.fit(raster)
            let isLAS = (try? FileHeader.read(path: options.lidar!, count: 4))?.starts(with: Array("LASF".utf8)) ?? false
            info.lidarLayers = isLAS ? layers : nil
        }
        let scene = try info.scene(inputs)
        let trainLabels = split.train.map { labels.labels[$0] - 1 }

        _ = FusionFamily.registerAll
        let spec = family.spec(kind: kind, hsiBands: scene.hsiBands, lidarBands: scene.lidarBands, width: options.width,
                               state: options.state, classes: labels.names)
        let network = try Network(spec: spec, seed: options.seed)
        let records: [EpochRecord]
        if family == .patchFree {
            let bar = ProgressReporter(label: "train", total: options.epochs, mode: progress)
            let schedule = LearningRateSchedule(base: options.learningRate, .cosine(total: options.epochs, minimum: options.learningRate / 50),
                                                warmupSteps: min(options.epochs / 10, 20))
            let trainer = PatchFreeTrainer(network: network, scene: scene, steps: options.epochs, perClass: options.pixelsPerClass,
                                           learningRate: schedule, seed: options.seed)
            records = trainer.fit(pixels: split.train, labels: trainLabels, classes: labels.names.count) { step, loss in
                bar.advance(note: String(format: "step %d loss %.3f", step + 1, loss))
            }
            bar.finish()
            if let log {
                let lines = records.map { $0.json(heads: spec.heads).serialized() + "\n" }.joined()
                try AtomicFile.write(lines, to: log)
            }
        } else {
            let samples = FusionPatchSamples(scene: scene, pixels: split.train, labels: trainLabels)
            var config = TrainerConfig()
            config.epochs = options.epochs
            config.batchSize = options.batchSize
            let steps = options.epochs * ((split.train.count + options.batchSize - 1) / options.batchSize)
            config.learningRate = LearningRateSchedule(base: options.learningRate, .cosine(total: steps, minimum: options.learningRate / 50),
                                                       warmupSteps: min(steps / 10, 100))
            config.seed = options.seed
            // Land cover has no up: flips and right-angle turns of a patch keep its class.
            config.augmentation.horizontalFlip = true
            config.augmentation.verticalFlip = true
            config.augmentation.rotate90 = true
            let trainer = Trainer(network: network, config: config)
            let batches = (split.train.count + options.batchSize - 1) / options.batchSize
            let bar = ProgressReporter(label: "train", total: options.epochs * batches, mode: progress)
            trainer.progress = { epoch, _, _, loss in bar.advance(note: String(format: "epoch %d loss %.3f", epoch + 1, loss)) }
            records = try trainer.fit(samples, train: Array(0..<samples.count), log: log)
            bar.finish()
        }

        var provenance: JSONObject = [FusionModelInfo.key: try info.json]
        provenance["split"] = .object(split.description)
        provenance["trained_on"] = .object(["hsi": options.hsi.map { .string($0) } ?? .null,
                                            "lidar": options.lidar.map { .string($0) } ?? .null,
                                            "labels": .string(options.labels)])
        let manifest = ModelManifest(spec: spec, preprocessing: Preprocessing(height: info.patch, width: info.patch,
                                                                              channels: spec.inputChannels),
                                     provenance: provenance)

        var evaluation: ClassificationAccuracy?
        let classifier = FusionClassifier(network: network, info: info)
        if let test = options.test {
            let reference = try LabelRaster.read(test, grid: inputs.grid, variable: options.testVariable,
                                                 unlabelled: options.unlabelled)
            try reference.check(against: inputs.grid)
            evaluation = try Self.evaluate(classifier, scene: scene, reference: reference, classes: labels.names,
                                           split: split.description.merging(["test": .string(test)]))
        } else if !split.test.isEmpty {
            let predicted = classifier.predict(scene, pixels: split.test)
            evaluation = try ClassificationAccuracy(classes: labels.names, truth: split.test.map { labels.labels[$0] - 1 },
                                                    predicted: predicted, split: split.description)
        }
        let seconds = records.map(\.seconds).reduce(0, +) / Double(max(records.count, 1))
        return FusionTrainingResult(network: network, manifest: manifest, info: info, split: split, evaluation: evaluation,
                                    epochs: records, secondsPerEpoch: seconds)
    }

    /// Accuracy on every labelled pixel of `reference` (classes beyond the model's are an error).
    public static func evaluate(_ classifier: FusionClassifier, scene: FusionScene, reference: LabelRaster,
                                classes: [String], split: JSONObject) throws -> ClassificationAccuracy {
        let pixels = reference.labels.indices.filter { reference.labels[$0] > 0 }
        guard let top = pixels.map({ reference.labels[$0] }).max(), top <= classes.count else {
            throw ReticleError(.usage, file: reference.source,
                               pixels.isEmpty ? "no labelled pixels to evaluate" : "holds classes beyond the model's \(classes.count)")
        }
        let predicted = classifier.predict(scene, pixels: pixels)
        return try ClassificationAccuracy(classes: classes, truth: pixels.map { reference.labels[$0] - 1 },
                                          predicted: predicted, split: split)
    }
}

extension JSONObject {
    func merging(_ other: JSONObject) -> JSONObject {
        var o = self
        for (k, v) in other { o[k] = v }
        return o
    }
}
