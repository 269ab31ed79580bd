// `med train`: an image classifier on a medical image set through the shared Trainer (or the
// AUC-margin recipe for binary tasks), the weights kept at the best validation ROC-AUC, a
// temperature fitted on the validation split, and a model file whose manifest records what
// inference needs (task, classes, normalisation, temperature, how the data was read) and how
// the model came about (options, settings hash, data fingerprint, split sizes, validation metrics).

import Foundation
import Shared

public struct MedicalClassifierTrainer {
    public struct Result {
        public var network: Network
        public var manifest: ModelManifest
        /// On the validation split (nil without one).
        public var validation: ClassifierMetrics?
        public var temperature: [Double]
        public var trainCount: Int
        public var validationCount: Int
        public var epochSeconds: [Double]
    }

    public let options: MedTrainOptions
    public var progress: ProgressReporter.Mode = .quiet

    public init(options: MedTrainOptions) { self.options = options }

    public func train(_ data: MedicalDataset, dataPath: String, log: URL? = nil) throws -> Result {
        let set = data.set
        let train = set.splits["train"] ?? [], validation = set.splits["val"] ?? []
        guard !train.isEmpty else { throw ReticleError(.usage, file: dataPath, "the training split is empty") }
        if options.loss == .aucMargin {
            guard set.task == .binary else {
                throw ReticleError(.usage, file: dataPath, "--loss auc-margin needs a binary task; this data is \(set.task.rawValue)")
            }
        }
        let p = data.preprocessing
        // Cross-entropy on a two-class task trains a two-way softmax head, which takes class weights; the
        // AUC-margin loss needs the single sigmoid logit of a binary head.
        var heads = set.heads
        let weighted = options.loss == .crossEntropy && options.classWeights == .balanced && set.task != .multiLabel
        if weighted && set.task == .binary { heads = [HeadSpec(name: heads[0].name, kind: .categorical, classes: heads[0].classes)] }
        let spec = ModelSpec(architecture: options.resolvedArchitecture, inputChannels: p.channels, heads: heads,
                             compactWidths: try options.stageWidths())
        let network = try Network(spec: spec, seed: options.seed)
        var config = TrainerConfig()
        config.epochs = options.epochs
        config.batchSize = options.batchSize
        config.seed = options.seed
        config.weightDecay = 1e-4
        if weighted {
            let k = heads[0].classes.count
            var n = [Double](repeating: 0, count: k)
            for i in train { n[set.labels[0][i]] += 1 }
            config.loss.classWeights = [heads[0].name: n.map { Float(Double(train.count) / (Double(k) * Swift.max($0, 1))) }]
        }
        let steps = options.epochs * ((train.count + options.batchSize - 1) / options.batchSize)
        config.learningRate = LearningRateSchedule(base: options.learningRate, .cosine(total: steps, minimum: options.learningRate / 50),
                                                   warmupSteps: min(steps / 10, 100))
        // Keep the weights that rank the validation split best (one head); several heads: the lowest loss.
        config.selectBy = set.heads.count == 1 ? .rocAUC : .loss
        let bar = ProgressReporter(label: "med train", total: steps, mode: progress)
        let report: (Int, Int, Int, Float) -> Void = { _, _, _, loss in bar.advance(note: String(format: "loss %.3f", loss)) }
        var records: [EpochRecord]
        var aucState: JSONObject?
        if options.loss == .aucMargin {
            let result = try AUCMarginRecipe().fit(network, set, train: train, labels: set.labels[0], validation: validation,
                                                   base: config, budgetEpochs: options.epochs, log: log, progress: report)
            records = result.pretraining + result.fineTuning
            aucState = result.loss.json
        } else {
            let trainer = Trainer(network: network, config: config)
            trainer.progress = report
            records = try trainer.fit(set, train: train, validation: validation, log: log)
        }
        bar.finish()

        var model = MedicalModel(manifest: ModelManifest(spec: spec, preprocessing: p), members: [network])
        var metrics: ClassifierMetrics?
        if !validation.isEmpty {
            let (x, labels) = try MedicalEvaluation.batch(set, validation)
            if !options.noTemperatureScaling { try model.fitTemperatures(x, labels: labels) }
            let prediction = model.predict(x)
            metrics = try? ClassifierMetrics(probabilities: prediction[0].probabilities, truth: labels[0], classes: heads[0].classes, resamples: 0)
        }

        var medical = JSONObject()
        medical["task"] = .string(set.task.rawValue)
        medical["heads"] = .array(heads.map { h in .object(["name": .string(h.name), "classes": .array(h.classes.map(JSONValue.string))]) })
        medical["normalisation"] = .string("(x − mean) / std on x in 0…1 (MedMNIST: mean 0.5, std 0.5)")
        medical["temperature"] = .array(model.temperatures.map(JSONValue.number))
        medical["data"] = try OptionKeys.encode(options.data)
        medical["data_source"] = .string(data.source)
        var provenance = JSONObject()
        provenance[MedicalModel.provenanceKey] = .object(medical)
        provenance["data_file"] = .string((dataPath as NSString).lastPathComponent)
        if data.source == "npz" { provenance["data_sha256"] = .string(BatchSettings.fingerprint(dataPath)) }
        provenance["samples"] = .int(set.count)
        provenance["train_samples"] = .int(train.count)
        provenance["validation_samples"] = .int(validation.count)
        provenance["test_samples"] = .int(set.splits["test"]?.count ?? 0)
        provenance["loss"] = .string(options.loss.rawValue)
        if let aucState { provenance["auc_margin"] = .object(aucState) }
        provenance["validation"] = metrics.map { .object($0.json) } ?? .null
        provenance["seed"] = .int(Int(options.seed))
        provenance["options"] = try options.encoded
        provenance["settings_sha256"] = .string(try BatchSettings.hash(options))
        provenance["reticle"] = .string(ReticleVersion.string)
        model = MedicalModel(manifest: ModelManifest(spec: spec, preprocessing: p, provenance: provenance), members: [network],
                             temperatures: model.temperatures)
        return Result(network: network, manifest: model.manifest, validation: metrics, temperature: model.temperatures,
                      trainCount: train.count, validationCount: validation.count, epochSeconds: records.map(\.seconds))
    }
}
