// How AUC-margin training is run (LibAUC's examples; Yuan et al. 2021): epochs of DualSampler
// batches (each exactly `samplingRate` positives), the AUC-margin loss on sigmoid scores, PESG with
// the rate divided at stages and the weights pulled towards the stage's mean iterate; optionally
// after cross-entropy pre-training (with the classifier re-initialised at the switch). The whole
// recipe sees no more samples than cross-entropy would in `budgetEpochs`.
// PESG's rate: LibAUC's default is 0.1, but its momentum form (buf = (1−μ)·buf + μ·d) does not
// amplify steps as torch SGD's (b = μb + g) does by 1/(1−μ); against an SGD baseline at 0.1 with
// μ 0.9 the same effective step is 1.0, which is what `AUCMarginTests` measures AUC-margin beating
// cross-entropy with (1:20 task: 0.919 against 0.879; at 0.1, 0.857). There, pre-training with
// cross-entropy for 25–50 % of the budget ranked worse (0.80–0.83), as did sampling rates of 0.1–0.3.

import Foundation

public struct AUCMarginRecipe: Codable, Equatable, Sendable {
    /// Share of the sample budget spent on cross-entropy pre-training (0: none).
    public var pretrainFraction = 0.0
    /// Fraction of positives in each AUC-margin epoch (LibAUC's DualSampler `sampling_rate`); nil keeps the natural
    /// distribution and weighs the loss by the training set's positive fraction (LibAUC's `imratio`).
    public var samplingRate: Double? = 0.5
    /// PESG's initial rate (LibAUC: 0.1).
    public var learningRate: Float = 0.1
    /// Re-initialise the head before the AUC-margin stage.
    public var resetHead = true
    /// Compose every batch as LibAUC's DualSampler does (exactly ⌊samplingRate·batch⌋ positives each); false shuffles
    /// the oversampled epoch, so batches hold varying numbers of positives.
    public var stratifiedBatches = true
    public var loss = AUCMarginConfig()
    public init() {}

    public struct Result {
        public var pretraining: [EpochRecord]
        public var fineTuning: [EpochRecord]
        public var loss: AUCMarginLoss
        /// Samples seen in all.
        public var samples: Int
    }

    /// Trains `network` (one binary head) on `train` indices of `samples`, whose first head's labels are `labels`
    /// (indexed like `samples`). `base` carries batch size, seed, weight decay and the cross-entropy optimiser.
    public func fit(_ network: Network, _ samples: TrainingSamples, train: [Int], labels: [Int], validation: [Int] = [],
                    base: TrainerConfig, budgetEpochs: Int, log: URL? = nil,
                    progress: ((Int, Int, Int, Float) -> Void)? = nil) throws -> Result {
        precondition(network.heads.count == 1 && network.heads[0].spec.kind == .binary, "AUC-margin training needs one binary head")
        precondition(budgetEpochs >= 1 && !train.isEmpty, "nothing to train")
        let budget = budgetEpochs * train.count
        let ceEpochs = pretrainFraction > 0 && budgetEpochs >= 2 ? Swift.max(1, Int((Double(budgetEpochs) * pretrainFraction).rounded())) : 0
        var records: [EpochRecord] = []
        var seen = 0
        if ceEpochs > 0 {
            var ce = base
            ce.aucMargin = nil
            ce.epochs = ceEpochs
            if case .cosine = ce.learningRate.kind {
                let steps = ceEpochs * ((train.count + ce.batchSize - 1) / ce.batchSize)
                ce.learningRate = LearningRateSchedule(base: ce.learningRate.base, .cosine(total: steps, minimum: ce.learningRate.base / 50),
                                                       warmupSteps: Swift.min(ce.learningRate.warmupSteps, steps / 10))
            }
            let trainer = Trainer(network: network, config: ce)
            trainer.progress = progress
            records = try trainer.fit(samples, train: train, validation: validation, log: log)
            seen = ceEpochs * train.count
        }
        if resetHead {
            var rng = SplitMix64(seed: base.seed ^ 0x5EED)
            for head in network.heads {
                let f = head.weight.shape[1]
                let bound = 1 / Float(f).squareRoot()
                head.weight.value = Tensor.uniform(head.weight.shape, low: -bound, high: bound, using: &rng)
                head.bias.value = Tensor(shape: head.bias.shape)
            }
        }
        let dual = samplingRate.map { DualSampler.indices(train, labels: labels, rate: $0) } ?? train
        var stream = stratifiedBatches ? samplingRate.flatMap { DualSampler.Batches(train, labels: labels, rate: $0, batchSize: base.batchSize) } : nil
        let perEpoch = stream.map { $0.batchesPerEpoch * $0.batchSize } ?? dual.count
        let aucEpochs = Swift.max(1, Int((Double(budget - seen) / Double(perEpoch)).rounded(.down)))
        var config = base
        config.epochs = aucEpochs
        config.learningRate = LearningRateSchedule(base: learningRate)
        var auc = loss
        if samplingRate == nil { auc.imratio = Double(train.filter { labels[$0] == 1 }.count) / Double(train.count) }
        if auc.stageEpochs.isEmpty { auc.stageEpochs = AUCMarginConfig.staged(epochs: aucEpochs).stageEpochs }
        config.aucMargin = auc
        let trainer = Trainer(network: network, config: config)
        trainer.progress = progress
        if stream != nil { trainer.epochBatches = { rng in stream!.epoch(using: &rng) } }
        let fine = try trainer.fit(samples, train: dual, validation: validation, log: nil)
        if let log, let handle = FileHandle(forWritingAtPath: log.path) {
            handle.seekToEndOfFile()
            for r in fine { handle.write(Data((r.json(heads: network.spec.heads).serialized() + "\n").utf8)) }
            try? handle.close()
        }
        return Result(pretraining: records, fineTuning: fine, loss: trainer.aucMarginLoss!, samples: seen + aucEpochs * perEpoch)
    }
}
