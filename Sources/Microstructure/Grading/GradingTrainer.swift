// Training a grading model: every labelled micrograph calibrated, resampled to the model's
// µm/px and cut into random patches away from scale bars; specimens dealt whole to train,
// validation and test; a type head (categorical, label-smoothed) and, when the data has
// needle classes, an ordinal needle-class head (CORAL); evaluation on held-out specimens;
// a model file whose manifest says everything grading needs.

import Foundation
import Shared

/// The outcome of a training run.
public struct GradingTrainingResult {
    public var network: Network
    public var manifest: ModelManifest
    public var evaluation: GradingEvaluation
    public var epochs: [EpochRecord]
    public var seconds: Double
    /// The images (indices into the dataset's micrographs) each side of the specimen split used.
    public var split: DataSplit
}

public struct GradingTrainer {
    public static let typeHead = "type", needleHead = "needle_class"

    public var config: GradingTrainingConfig
    /// Calibration for images whose manifest row gives no um_per_px (the same options as grading).
    public var calibration: MicrographCalibration
    /// Progress lines ("prepared 96 images", epoch summaries) for a CLI to print.
    public var report: ((String) -> Void)?
    /// The training steps' progress on stderr (a bar on a terminal, a line now and then otherwise); quiet by default.
    public var progress: ProgressReporter.Mode = .quiet
    /// How image files are read (the CLI adds DICOM).
    public var reader = ImageReader.rasters

    public init(config: GradingTrainingConfig = GradingTrainingConfig(), calibration: MicrographCalibration = MicrographCalibration(),
                report: ((String) -> Void)? = nil) {
        self.config = config; self.calibration = calibration; self.report = report
    }

    /// Trains on `dataset`; `log` receives one JSON line per epoch.
    /// - Throws: the first image that cannot be read or calibrated (named), or `.usage` for too little data.
    public func train(_ dataset: GradingDataset, log: URL? = nil) throws -> GradingTrainingResult {
        try config.validate()
        let start = Date()
        let prepared = try prepare(dataset)
        report?("prepared \(dataset.micrographs.count) images, \(prepared.reduce(0) { $0 + $1.patches.count }) patches at \(MicrographCalibration.format(config.umPerPixel)) µm/px")
        return try train(dataset, prepared: prepared, split: try self.split(dataset), log: log, start: start)
    }

    /// Trains on `split.train` of already prepared images (cross-validation prepares once and trains per fold),
    /// selects on `split.validation` when it is not empty and evaluates on `split.test`.
    func train(_ dataset: GradingDataset, prepared: [PreparedPatches], split: DataSplit, log: URL?, start: Date = Date()) throws -> GradingTrainingResult {
        TextureClassifier.register()
        let specimens = dataset.specimenCount

        var heads = [HeadSpec(name: Self.typeHead, kind: .categorical, classes: dataset.typeClasses)]
        let needle = dataset.needleClasses.count >= 2
        if needle { heads.append(HeadSpec(name: Self.needleHead, kind: .ordinal, classes: dataset.needleClasses)) }
        let spec = ModelSpec(architecture: config.architecture, inputChannels: 1, heads: heads,
                             widthMultiplier: config.architecture == .compactCNN ? 1 : config.widthMultiplier,
                             compactWidths: config.compactWidths, convolutionDensity: config.convolutionDensity,
                             spatialPyramidLevels: config.spatialPyramidLevels)
        let network = try Network(spec: spec, seed: config.seed)

        let samples = GradingSamples(dataset, prepared, needle: needle)
        let trainIndices = samples.indices(ofImages: split.train)
        var trainer = TrainerConfig()
        trainer.epochs = config.epochs
        trainer.batchSize = config.batchSize
        trainer.optimizer = .adamw
        let steps = config.epochs * ((trainIndices.count + config.batchSize - 1) / config.batchSize)
        trainer.learningRate = LearningRateSchedule(base: config.learningRate, .cosine(total: steps, minimum: config.learningRate / 50),
                                                    warmupSteps: min(20, steps / 10))
        trainer.weightDecay = 1e-4
        trainer.loss = LossOptions(labelSmoothing: config.labelSmoothing)
        trainer.augmentation = config.augmentation.augmentation
        if !split.validation.isEmpty { trainer.earlyStoppingPatience = config.earlyStoppingPatience }
        trainer.seed = config.seed
        let fit = Trainer(network: network, config: trainer)
        let batchesPerEpoch = (trainIndices.count + config.batchSize - 1) / config.batchSize
        let bar = ProgressReporter(label: "train", total: config.epochs * batchesPerEpoch, mode: progress)
        let epochs = config.epochs
        fit.progress = { epoch, _, _, loss in
            bar.advance(note: "epoch \(epoch + 1)/\(epochs), loss \(String(format: "%.4f", loss))")
        }
        let records = try fit.fit(samples, train: trainIndices, validation: samples.indices(ofImages: split.validation), log: log)
        bar.finish()
        for r in records {
            let acc = zip(heads, r.validationAccuracy).map { "\($0.name) \(String(format: "%.3f", $1))" }.joined(separator: ", ")
            report?("epoch \(r.epoch): train loss \(String(format: "%.4f", r.trainLoss))" + (acc.isEmpty ? "" : ", validation \(acc)")
                    + String(format: " (%.1f s)", r.seconds))
        }

        let classifier = PatchClassifier(network: network)
        let evaluation = try GradingEvaluation(dataset: dataset, prepared: prepared, images: split.test, classifier: classifier)
        // Confidence and self-knowledge, both from the images' grading-grid patches: the temperature from held-out
        // specimens (validation when there is one, else the test side), the feature distribution from training images.
        let calibrationImages = split.validation.isEmpty ? split.test : split.validation
        let calibrationOutputs = calibrationImages.map { classifier.classify(prepared[$0].gridPatches) }
        let temperature = FittedTemperature(probabilities: calibrationOutputs.map { PatchClassifier.aggregate($0.probabilities[0]) },
                                             truth: calibrationImages.map { dataset.micrographs[$0].type },
                                             fittedOn: split.validation.isEmpty ? "test" : "validation")
        let trainOutputs = split.train.map { classifier.classify(prepared[$0].gridPatches) }
        let features = FeatureDistribution(features: trainOutputs.map { PatchClassifier.mean($0.features) },
                                           labels: split.train.map { dataset.micrographs[$0].type }, classes: dataset.typeClasses.count)
        let contrast = ContrastRange(split.train.map { prepared[$0].contrast })!
        var provenance = JSONObject()
        provenance["task"] = "steel micrograph grading (type, needle-length class)"
        provenance["data"] = .string(dataset.source)
        provenance["data_sha256"] = .string(dataset.labelHash)
        provenance["images"] = .int(dataset.micrographs.count)
        provenance["specimens"] = .int(specimens)
        func specimenCount(_ images: [Int]) -> JSONValue { .int(Set(images.map { dataset.micrographs[$0].specimen }).count) }
        provenance["split"] = ["train_images": .int(split.train.count), "validation_images": .int(split.validation.count),
                               "test_images": .int(split.test.count), "train_specimens": specimenCount(split.train),
                               "validation_specimens": specimenCount(split.validation), "test_specimens": specimenCount(split.test),
                               "validation_fraction": .number(split.validation.isEmpty ? 0 : config.validationFraction),
                               "test_fraction": .number(config.testFraction),
                               "by": "specimen", "seed": .string(String(config.seed))]
        provenance["epochs"] = .int(records.count)
        provenance["seed"] = .string(String(config.seed))
        provenance["training"] = config.json
        provenance["label_smoothing"] = .number(Double(config.labelSmoothing))
        provenance["soft_labels"] = .bool(dataset.hasSeveralRaters)
        provenance["patch_normalization"] = "per-patch standardisation: (x − patch mean) / max(patch std, 0.02) on grey 0…1"
        provenance["contrast_range"] = contrast.json
        provenance["temperature"] = .object(temperature.json)
        if let features { provenance["feature_distribution"] = features.json }
        provenance["augmentation"] = .string(config.augmentation.rawValue)
        provenance["needle_scale"] = .string(GradingLabels.houseScale)
        provenance["metrics"] = .object(evaluation.json)
        provenance["trained_at"] = .string(ISO8601DateFormatter().string(from: Date()))
        provenance["reticle"] = .string(ReticleVersion.string)
        let preprocessing = Preprocessing(height: config.patchSize, width: config.patchSize, channels: 1,
                                          scale: config.umPerPixel, scaleUnit: "um/px")
        let manifest = ModelManifest(spec: spec, preprocessing: preprocessing, provenance: provenance)
        return GradingTrainingResult(network: network, manifest: manifest, evaluation: evaluation, epochs: records,
                                     seconds: Date().timeIntervalSince(start), split: split)
    }

    /// Deals whole specimens to train, validation and test (the test and validation fractions of the config,
    /// validation only from `minimumSpecimensForValidation` specimens on). Strata are type × needle class, so
    /// that every needle class has specimens on the training side; too few specimens for that (a side left
    /// empty) fall back to strata by type.
    func split(_ dataset: GradingDataset) throws -> DataSplit {
        let useValidation = dataset.specimenCount >= config.minimumSpecimensForValidation
        let strata = dataset.micrographs.map { $0.type * (dataset.needleClasses.count + 1) + ($0.needleClass.map { $0 + 1 } ?? 0) }
        func makeSplit(_ labels: [Int]) -> DataSplit {
            DataSplit.stratified(labels: labels, groups: dataset.micrographs.map(\.specimen),
                                 validationFraction: useValidation ? config.validationFraction : 0,
                                 testFraction: config.testFraction, seed: config.seed)
        }
        var split = makeSplit(strata)
        if split.train.isEmpty || split.test.isEmpty { split = makeSplit(dataset.micrographs.map(\.type)) }
        guard !split.train.isEmpty, !split.test.isEmpty else {
            throw ReticleError(.usage, file: dataset.source, "\(dataset.specimenCount) specimens are too few for a specimen-level split")
        }
        return split
    }

    /// Reads, calibrates and cuts every image, in parallel; the first failure is thrown.
    func prepare(_ dataset: GradingDataset) throws -> [PreparedPatches] {
        let config = self.config, calibration = self.calibration, reader = self.reader
        return try parallelMap(count: dataset.micrographs.count, workers: config.threads) { i in
            try PreparedPatches(dataset.micrographs[i], config: config, calibration: calibration, reader: reader,
                                seed: config.seed &+ UInt64(i) &* 0x9E37_79B9)
        }
    }
}

/// One training image's patches (network inputs) and grey-level statistics.
struct PreparedPatches: Sendable {
    /// Each [1, P, P], raw grey 0…1 (training augments, then standardises).
    var patches: [Tensor]
    /// The grading grid's patches (half-patch stride), for the held-out evaluation.
    var gridPatches: [Tensor]
    var contrast: ContrastStatistics

    init(_ m: GradingDataset.Micrograph, config: GradingTrainingConfig, calibration: MicrographCalibration,
         reader: ImageReader, seed: UInt64) throws {
        do {
            let image = try reader.read(path: m.path)
            var resolver = calibration
            if let u = m.umPerPixel { resolver.given = u; resolver.givenSource = .protocolFile }
            let resolved = try resolver.resolve(image, path: m.name)
            let prepared = try PreparedMicrograph(image, umPerPixel: resolved.umPerPixel, excluded: resolved.excludedRegions,
                                                  modelUmPerPixel: config.umPerPixel, patchSize: config.patchSize)
            var rng = SplitMix64(seed: seed)
            let rects = prepared.randomPatches(size: config.patchSize, count: config.patchesPerImage, rng: &rng)
            guard !rects.isEmpty else { throw ReticleError(.usage, "no patch fits outside the scale bar") }
            // Raw grey: the trainer's augmentation works in the grey range and standardises last.
            patches = rects.map(prepared.rawTensor)
            gridPatches = prepared.gradingPatches(size: config.patchSize).map(prepared.tensor)
            if gridPatches.isEmpty { gridPatches = rects.map(prepared.tensor) }
            contrast = prepared.contrast
        } catch {
            throw (error as? ReticleError)?.naming(m.name) ?? ReticleError(.io, file: m.name, "\(error)")
        }
    }
}
