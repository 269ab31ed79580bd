// The training loop: seeded shuffling, augmentation, batches prepared on a
// background queue while the previous one trains, validation after each epoch,
// early stopping, the best weights kept (and saved), and a JSON-lines log.

import Foundation

/// One training sample: a tensor per graph input ([C, H, W] for an image, [F] for a vector) and a class index per head.
public struct TrainingSample {
    public var inputs: [Tensor]
    public var labels: [Int]
    public init(inputs: [Tensor], labels: [Int]) { self.inputs = inputs; self.labels = labels }
    /// A sample of a single-input network.
    public init(image: Tensor, labels: [Int]) { self.init(inputs: [image], labels: labels) }
}

/// Indexed samples. Domain readers conform to this.
public protocol TrainingSamples: Sendable {
    var count: Int { get }
    func sample(_ index: Int) throws -> TrainingSample
}

/// Samples held in memory. Shapes: one tensor of N samples per graph input ([N, C, H, W] or [N, F]); labels one array of N per head.
public struct TensorSamples: TrainingSamples {
    public let inputs: [Tensor]
    public let labels: [[Int]]
    public init(inputs: [Tensor], labels: [[Int]]) {
        precondition(!inputs.isEmpty && inputs.allSatisfy { $0.shape[0] == inputs[0].shape[0] }, "every input holds the same samples")
        precondition(labels.allSatisfy { $0.count == inputs[0].shape[0] }, "one label per sample and head")
        self.inputs = inputs; self.labels = labels
    }
    /// Images of a single-input network.
    public init(images: Tensor, labels: [[Int]]) { self.init(inputs: [images], labels: labels) }
    public var count: Int { inputs[0].shape[0] }
    public func sample(_ index: Int) throws -> TrainingSample {
        TrainingSample(inputs: inputs.map { $0.slice(index..<(index + 1)).reshaped(Array($0.shape.dropFirst())) }, labels: labels.map { $0[index] })
    }
}

public struct TrainerConfig: Codable, Equatable, Sendable {
    public enum OptimizerKind: String, Codable, Sendable { case sgd, nesterov, adamw }
    public var epochs = 10
    public var batchSize = 32
    public var optimizer = OptimizerKind.adamw
    public var learningRate = LearningRateSchedule(base: 1e-3)
    public var momentum: Float = 0.9
    public var weightDecay: Float = 1e-4
    public var loss = LossOptions()
    public var clipNorm: Float?
    /// Stop after this many epochs without a better validation loss (nil: never).
    public var earlyStoppingPatience: Int?
    public var augmentation = Augmentation()
    public var seed: UInt64 = 0
    /// AUC-margin loss with PESG for a single binary head (nil: the heads' usual losses and `optimizer`).
    public var aucMargin: AUCMarginConfig?
    /// What picks the kept weights and drives early stopping: the validation loss or the validation ROC-AUC of the first head.
    public var selectBy = SelectionMetric.loss
    public enum SelectionMetric: String, Codable, Sendable { case loss, rocAUC = "roc-auc" }
    public init() {}
}

/// One epoch's record (also one line of the JSON-lines log).
public struct EpochRecord: Equatable, Sendable {
    public var epoch: Int
    public var trainLoss: Double
    public var validationLoss: Double?
    /// Accuracy per head, in spec order.
    public var validationAccuracy: [Double]
    public var learningRate: Float
    public var seconds: Double
    /// Validation ROC-AUC of the first head, when the config selects by it.
    public var validationAUC: Double? = nil

    public init(epoch: Int, trainLoss: Double, validationLoss: Double?, validationAccuracy: [Double], learningRate: Float,
                seconds: Double, validationAUC: Double? = nil) {
        self.epoch = epoch; self.trainLoss = trainLoss; self.validationLoss = validationLoss
        self.validationAccuracy = validationAccuracy; self.learningRate = learningRate; self.seconds = seconds
        self.validationAUC = validationAUC
    }

    public func json(heads: [HeadSpec]) -> JSONValue {
        var o = JSONObject()
        o["epoch"] = .int(epoch)
        o["train_loss"] = .number(trainLoss)
        o["validation_loss"] = validationLoss.map { .number($0) } ?? .null
        var acc = JSONObject()
        for (h, a) in zip(heads, validationAccuracy) { acc[h.name] = .number(a) }
        o["validation_accuracy"] = .object(acc)
        if let validationAUC { o["validation_roc_auc"] = .number(validationAUC) }
        o["learning_rate"] = .number(Double(learningRate))
        o["seconds"] = .number((seconds * 1000).rounded() / 1000)
        return .object(o)
    }
}

public final class Trainer {
    public let network: Network
    public let config: TrainerConfig
    public let optimizer: Optimizer
    /// The AUC-margin loss's state (a, b, α) when `config.aucMargin` is set.
    public let aucMarginLoss: AUCMarginLoss?
    /// Called after every batch with (epoch, batch, batches, loss): drive a progress bar with it.
    public var progress: ((Int, Int, Int, Float) -> Void)?
    /// Each epoch's batches, when the caller composes them (LibAUC's DualSampler); nil shuffles `train` and cuts it.
    public var epochBatches: ((inout SplitMix64) -> [[Int]])?

    public init(network: Network, config: TrainerConfig) {
        self.network = network
        self.config = config
        let params = network.trainableParameters
        if let auc = config.aucMargin {
            let loss = AUCMarginLoss(margin: auc.margin, imratio: auc.imratio)
            aucMarginLoss = loss
            optimizer = PESG(params, loss: loss, learningRate: config.learningRate.base, clipValue: auc.clipValue,
                             weightDecay: config.weightDecay, epochDecay: auc.epochDecay, momentum: config.momentum, seed: config.seed)
            return
        }
        aucMarginLoss = nil
        switch config.optimizer {
        case .sgd: optimizer = SGD(params, learningRate: config.learningRate.base, momentum: config.momentum, weightDecay: config.weightDecay)
        case .nesterov: optimizer = SGD(params, learningRate: config.learningRate.base, momentum: config.momentum,
                                        weightDecay: config.weightDecay, nesterov: true)
        case .adamw: optimizer = AdamW(params, learningRate: config.learningRate.base, weightDecay: config.weightDecay)
        }
    }

    /// Trains on `train` indices of `samples`, validating on `validation` after each epoch. The network ends with the
    /// best validation weights (the last ones without validation). `log` receives one JSON line per epoch;
    /// `checkpoint` (with `manifest`) is rewritten whenever validation improves.
    @discardableResult
    public func fit(_ samples: TrainingSamples, train: [Int], validation: [Int] = [], log: URL? = nil,
                    checkpoint: URL? = nil, manifest: ModelManifest? = nil) throws -> [EpochRecord] {
        precondition(!train.isEmpty, "nothing to train on")
        var rng = SplitMix64(seed: config.seed)
        var records: [EpochRecord] = []
        // The best validation score so far, its loss (which breaks ties: a ROC-AUC of 1 is reached early) and its weights.
        var best: (score: Double, loss: Double, weights: [Tensor])?
        var sinceBest = 0
        var step = 0
        if let log { _ = FileManager.default.createFile(atPath: log.path, contents: nil) }
        for epoch in 0..<config.epochs {
            let start = Date()
            if let auc = config.aucMargin, let pesg = optimizer as? PESG, auc.stageEpochs.contains(epoch) {
                pesg.updateRegularizer(decayFactor: auc.decayFactor)
            }
            let batches: [[Int]]
            if let epochBatches {
                batches = epochBatches(&rng)
            } else {
                let order = train.shuffled(using: &rng)
                batches = stride(from: 0, to: order.count, by: config.batchSize).map { Array(order[$0..<Swift.min($0 + config.batchSize, order.count)]) }
            }
            let seen = batches.reduce(0) { $0 + $1.count }
            var lossSum = 0.0
            // Batch b+1 is read and augmented on a background queue while batch b trains.
            var pending = prepare(samples, batches[0], seed: rng.next())
            for (b, _) in batches.enumerated() {
                let (x, labels) = try pending.wait()
                if b + 1 < batches.count { pending = prepare(samples, batches[b + 1], seed: rng.next()) }
                optimizer.learningRate = config.learningRate.rate(at: step)
                let loss: Float
                if let aucLoss = aucMarginLoss, let pesg = optimizer as? PESG {
                    loss = network.aucMarginStep(inputs: x, labels: labels[0], loss: aucLoss, optimizer: pesg, seed: rng.next())
                } else {
                    loss = network.trainStep(inputs: x, labels: labels, optimizer: optimizer, options: config.loss,
                                             clipNorm: config.clipNorm, seed: rng.next())
                }
                lossSum += Double(loss) * Double(labels[0].count)
                step += 1
                progress?(epoch, b + 1, batches.count, loss)
            }
            var record = EpochRecord(epoch: epoch + 1, trainLoss: lossSum / Double(seen), validationLoss: nil,
                                     validationAccuracy: [], learningRate: (optimizer as? PESG)?.effectiveLearningRate ?? optimizer.learningRate, seconds: 0)
            if !validation.isEmpty {
                let (loss, accuracy) = try evaluate(samples, validation)
                record.validationLoss = loss
                record.validationAccuracy = accuracy
                var score = loss
                if config.selectBy == .rocAUC {
                    record.validationAUC = try validationAUC(samples, validation)
                    score = -(record.validationAUC ?? -.infinity)
                }
                if score < (best?.score ?? .infinity) || (score == best?.score && loss < best!.loss) {
                    best = (score, loss, network.namedParameters.map(\.parameter.value))
                    sinceBest = 0
                    if let checkpoint, let manifest { try ModelFile.save(network, manifest: manifest, to: checkpoint) }
                } else {
                    sinceBest += 1
                }
            }
            record.seconds = Date().timeIntervalSince(start)
            records.append(record)
            if let log { try append(record.json(heads: network.spec.heads).serialized() + "\n", to: log) }
            // Patience p: stop after p epochs in a row without a better validation loss (at least one).
            if let patience = config.earlyStoppingPatience, sinceBest >= Swift.max(patience, 1) { break }
        }
        if let best { for ((_, p), w) in zip(network.namedParameters, best.weights) { p.value = w } }
        return records
    }

    /// Mean loss and per-head accuracy over `indices` (evaluation mode, in batches).
    public func evaluate(_ samples: TrainingSamples, _ indices: [Int]) throws -> (loss: Double, accuracy: [Double]) {
        var lossSum = 0.0
        var correct = [Int](repeating: 0, count: network.heads.count)
        for start in stride(from: 0, to: indices.count, by: config.batchSize) {
            let chunk = Array(indices[start..<Swift.min(start + config.batchSize, indices.count)])
            let (x, labels) = try Trainer.batch(samples, chunk, augmentation: config.augmentation.evaluationPart, seed: 0)
            lossSum += Double(network.loss(x.map { Variable($0) }, labels: labels, options: config.loss, .inference).value.item) * Double(chunk.count)
            for (h, predicted) in network.predict(x).enumerated() {
                correct[h] += zip(predicted, labels[h]).filter { $0 == $1 }.count
            }
        }
        return (lossSum / Double(indices.count), correct.map { Double($0) / Double(indices.count) })
    }

    /// ROC-AUC of the first head over `indices` (a binary head's logit, or the last class's probability); nil when
    /// the indices hold one class only.
    public func validationAUC(_ samples: TrainingSamples, _ indices: [Int]) throws -> Double? {
        var scores: [Double] = [], positives: [Bool] = []
        let head = network.heads[0].spec
        for start in stride(from: 0, to: indices.count, by: config.batchSize) {
            let chunk = Array(indices[start..<Swift.min(start + config.batchSize, indices.count)])
            let (x, labels) = try Trainer.batch(samples, chunk, augmentation: config.augmentation.evaluationPart, seed: 0)
            let logits = network.forwardHeads(x.map { Variable($0) }, .inference)[0].value
            let p = Predictor.probabilities(logits, kind: head.kind)
            let k = p.shape[1]
            scores += (0..<chunk.count).map { Double(p.scalars[$0 * k + k - 1]) }
            positives += labels[0].map { $0 == head.classes.count - 1 }
        }
        return try? ROCCurve.auc(scores: scores, positives: positives)
    }

    /// Stacks samples into one batch per input ([B, C, H, W] or [B, F]) and per-head label arrays. Each sample is
    /// augmented with its own stream; all image inputs of a sample get the same draws, so co-registered inputs
    /// (an HSI patch and its LiDAR patch) are flipped and rotated together. Vector inputs are not augmented.
    static func batch(_ samples: TrainingSamples, _ indices: [Int], augmentation: Augmentation?, seed: UInt64) throws -> ([Tensor], [[Int]]) {
        var rng = SplitMix64(seed: seed)
        var inputs: [[Tensor]] = []
        var labels: [[Int]] = []
        for i in indices {
            let s = try samples.sample(i)
            if inputs.isEmpty { inputs = s.inputs.map { _ in [] }; labels = s.labels.map { _ in [] } }
            guard s.inputs.count == inputs.count, s.labels.count == labels.count else {
                throw ReticleError(.usage, "sample \(i) has \(s.inputs.count) inputs and \(s.labels.count) labels, the first had \(inputs.count) and \(labels.count)")
            }
            let start = rng
            var after = rng
            for (k, x) in s.inputs.enumerated() {
                var r = start
                inputs[k].append(x.rank == 3 ? augmentation?.apply(x, rng: &r) ?? x : x)
                if x.rank == 3 { after = r }
            }
            rng = after
            for h in s.labels.indices { labels[h].append(s.labels[h]) }
        }
        return (inputs.map { Tensor.stack($0) }, labels)
    }

    private func prepare(_ samples: TrainingSamples, _ indices: [Int], seed: UInt64) -> PendingBatch {
        let pending = PendingBatch()
        let augmentation = config.augmentation
        DispatchQueue.global(qos: .userInitiated).async {
            pending.fulfil(Result { try Trainer.batch(samples, indices, augmentation: augmentation, seed: seed) })
        }
        return pending
    }

    private func append(_ line: String, to url: URL) throws {
        guard let handle = FileHandle(forWritingAtPath: url.path) else { throw ReticleError(.io, file: url.path, "cannot open the training log") }
        defer { try? handle.close() }
        handle.seekToEndOfFile()
        handle.write(Data(line.utf8))
    }
}

/// A batch being prepared on another thread.
final class PendingBatch: @unchecked Sendable {
    private let ready = DispatchSemaphore(value: 0)
    private var result: Result<([Tensor], [[Int]]), Error>?
    func fulfil(_ r: Result<([Tensor], [[Int]]), Error>) { result = r; ready.signal() }
    func wait() throws -> ([Tensor], [[Int]]) { ready.wait(); return try result!.get() }
}
