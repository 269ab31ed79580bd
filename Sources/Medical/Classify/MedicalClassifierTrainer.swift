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
        /// Set for a concept bottleneck model (`network` is then its concept network).
        public var bottleneck: ConceptBottleneck?

        /// Writes the model file (one network, or a concept bottleneck's two).
        public func save(to url: URL) throws {
            if let bottleneck { try bottleneck.save(manifest: manifest, to: url) } else { try ModelFile.save(network, manifest: manifest, to: url) }
        }
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
        var records: [EpochRecord] = []
        var aucState: JSONObject?
        var bottleneck: ConceptBottleneck?
        if let mode = options.conceptMode {
            guard set.task != .multiLabel else { throw ReticleError(.usage, file: dataPath, "a concept bottleneck predicts one class; this data is multi-label") }
            guard data.concepts.count == set.count, !data.conceptNames.isEmpty else {
                throw ReticleError(.usage, file: dataPath, "concept bottleneck training needs a concept row for every image")
            }
            var c = ConceptBottleneckTrainer.Config()
            c.mode = mode; c.conceptWeight = options.conceptWeight; c.hidden = options.conceptHidden
            c.epochs = options.epochs; c.batchSize = options.batchSize; c.learningRate = options.learningRate; c.seed = options.seed
            // The class head is categorical whatever the task, so `--class-weights balanced` applies to it as to a plain network.
            c.classWeights = config.loss.classWeights[heads[0].name]
            var trainer = ConceptBottleneckTrainer(config: c)
            trainer.progress = report
            let classHead = HeadSpec(name: set.heads[0].name, kind: .categorical, classes: set.heads[0].classes)
            heads = [classHead]
            bottleneck = try trainer.train(images: set.images, concepts: data.concepts, labels: set.labels[0], names: data.conceptNames,
                                           train: train, validation: validation, backbone: spec, classHead: classHead)
        } else if options.loss == .aucMargin {
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

        let classSpec = bottleneck?.classLevelSpec ?? spec
        var model = MedicalModel(manifest: ModelManifest(spec: classSpec, preprocessing: p), members: [bottleneck?.conceptNetwork ?? network],
                                 bottleneck: bottleneck)
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
        if let bottleneck {
            var o = JSONObject()
            o["mode"] = .string(bottleneck.mode.rawValue)
            o["concepts"] = .array(bottleneck.concepts.map(JSONValue.string))
            if let c = options.data.concepts { o["concepts_file"] = .string((c as NSString).lastPathComponent) }
            if !validation.isEmpty {
                let (x, _) = try MedicalEvaluation.batch(set, validation)
                o["validation_concepts"] = .object(MedicalEvaluation.conceptMetrics(predicted: bottleneck.rawConcepts(x),
                                                                                     truth: validation.map { data.concepts[$0] }, names: bottleneck.concepts))
            }
            provenance["concept_training"] = .object(o)
        }
        model = MedicalModel(manifest: ModelManifest(spec: classSpec, preprocessing: p, provenance: provenance), members: [bottleneck?.conceptNetwork ?? network],
                             temperatures: model.temperatures)
        return Result(network: bottleneck?.conceptNetwork ?? network, manifest: model.manifest, validation: metrics, temperature: model.temperatures,
                      trainCount: train.count, validationCount: validation.count, epochSeconds: records.map(\.seconds), bottleneck: bottleneck)
    }
}
