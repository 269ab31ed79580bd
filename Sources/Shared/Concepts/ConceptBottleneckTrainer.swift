// Training a concept bottleneck in Koh et al.'s three ways. Independent and sequential train the
// concept network alone (the summed BCE of its concept heads, through the shared Trainer) and then
// the class head on concept vectors: the true 0/1 concepts (independent) or the network's predicted
// probabilities on the training images (sequential). Joint trains both at once on
// cross-entropy(class) + λ · Σ BCE(concepts), the class head reading the sigmoid of the concept
// logits on the same tape, so the class loss also shapes the concepts.

import Foundation

public struct ConceptBottleneckTrainer {
    public struct Config: Codable, Equatable, Sendable {
        public var mode = ConceptBottleneck.Mode.joint
        /// λ, the concept loss's weight in joint training.
        public var conceptWeight: Float = 1
        /// Width of the class head's hidden layer (0: linear).
        public var hidden = 0
        /// Epochs over the images (the concept network, or both parts when joint).
        public var epochs = 30
        /// Epochs of the class head on concept vectors (independent, sequential).
        public var classEpochs = 60
        public var batchSize = 64
        /// Peak AdamW rate (warm-up, cosine decay); the class head alone trains at ten times it.
        public var learningRate: Float = 3e-3
        public var weightDecay: Float = 1e-4
        public var seed: UInt64 = 1
        /// Weights of the class loss per class (nil: all 1), as `--class-weights balanced` gives a plain network.
        public var classWeights: [Float]?
        public init() {}
    }

    public let config: Config
    /// Called after every batch with (epoch, batch, batches, loss).
    public var progress: ((Int, Int, Int, Float) -> Void)?

    public init(config: Config) { self.config = config }

    /// Trains on `train` indices. Shapes: images [N, C, H, W]; concepts N rows of K values 0/1; labels N class indices of `classHead`.
    /// `backbone` gives the image network (its heads are replaced by the concepts').
    public func train(images: Tensor, concepts: [[Int]], labels: [Int], names: [String], train: [Int], validation: [Int] = [],
                      backbone: ModelSpec, classHead: HeadSpec) throws -> ConceptBottleneck {
        let n = images.shape[0], k = names.count
        precondition(concepts.count == n && labels.count == n && concepts.allSatisfy { $0.count == k }, "one concept row and label per image")
        guard !train.isEmpty else { throw ReticleError(.usage, "concept bottleneck: the training split is empty") }
        if let w = config.classWeights, w.count != classHead.classes.count {
            throw ReticleError(.usage, "concept bottleneck: \(w.count) class weights for \(classHead.classes.count) classes")
        }
        let conceptNet = try Network(spec: ConceptBottleneck.conceptSpec(backbone, concepts: names), seed: config.seed)
        let classNet = try ConceptBottleneck.classNetwork(concepts: k, head: classHead, hidden: config.hidden, seed: config.seed &+ 1)
        let perConcept = (0..<k).map { j in concepts.map { $0[j] } }
        let steps = config.epochs * ((train.count + config.batchSize - 1) / config.batchSize)
        let schedule = LearningRateSchedule(base: config.learningRate, .cosine(total: steps, minimum: config.learningRate / 50),
                                            warmupSteps: Swift.min(steps / 10, 100))
        if config.mode == .joint {
            try trainJointly(conceptNet, classNet, TensorSamples(images: images, labels: perConcept + [labels]), train: train, schedule: schedule)
        } else {
            var c = TrainerConfig()
            c.epochs = config.epochs; c.batchSize = config.batchSize; c.seed = config.seed
            c.weightDecay = config.weightDecay; c.learningRate = schedule
            let trainer = Trainer(network: conceptNet, config: c)
            trainer.progress = progress
            try trainer.fit(TensorSamples(images: images, labels: perConcept), train: train, validation: validation)
            let vectors: [[Double]]
            if config.mode == .independent {
                vectors = concepts.map { $0.map(Double.init) }
            } else {
                vectors = ConceptBottleneck(concepts: names, mode: config.mode, conceptNetwork: conceptNet, classNetwork: classNet).rawConcepts(images)
            }
            var h = TrainerConfig()
            let classSteps = config.classEpochs * ((train.count + config.batchSize - 1) / config.batchSize)
            h.epochs = config.classEpochs; h.batchSize = config.batchSize; h.seed = config.seed &+ 2; h.weightDecay = config.weightDecay
            h.learningRate = LearningRateSchedule(base: config.learningRate * 10, .cosine(total: classSteps, minimum: config.learningRate / 5))
            if let w = config.classWeights { h.loss.classWeights = [classHead.name: w] }
            let x = Tensor(shape: [n, k], scalars: vectors.flatMap { $0.map(Float.init) })
            try Trainer(network: classNet, config: h).fit(TensorSamples(inputs: [x], labels: [labels]), train: train)
        }
        let model = ConceptBottleneck(concepts: names, mode: config.mode, conceptNetwork: conceptNet, classNetwork: classNet)
        // What each class's images look like in concept space: the reference a new site is compared with.
        let predicted = model.rawConcepts(Tensor.stack(train.map { images.slice($0..<($0 + 1)).reshaped(Array(images.shape.dropFirst())) }))
        model.classConceptMeans = (0..<classHead.classes.count).map { y in
            let rows = zip(train, predicted).filter { labels[$0.0] == y }.map(\.1)
            return (0..<k).map { j in rows.isEmpty ? 0 : rows.reduce(0) { $0 + $1[j] } / Double(rows.count) }
        }
        return model
    }

    /// Joint training: labels[0..<K] are the concepts, labels[K] the class.
    func trainJointly(_ conceptNet: Network, _ classNet: Network, _ samples: TensorSamples, train: [Int], schedule: LearningRateSchedule) throws {
        let k = conceptNet.heads.count
        let optimizer = AdamW(conceptNet.trainableParameters + classNet.trainableParameters, learningRate: config.learningRate,
                              weightDecay: config.weightDecay)
        var rng = SplitMix64(seed: config.seed)
        var step = 0
        for epoch in 0..<config.epochs {
            let order = train.shuffled(using: &rng)
            let batches = stride(from: 0, to: order.count, by: config.batchSize).map { Array(order[$0..<Swift.min($0 + config.batchSize, order.count)]) }
            for (b, batch) in batches.enumerated() {
                let (x, labels) = try Trainer.batch(samples, batch, augmentation: nil, seed: 0)
                let tape = Tape()
                let ctx = ForwardContext(tape: tape, training: true, seed: rng.next())
                let logits = Variable.concat(conceptNet.forwardHeads([Variable(x[0])], ctx), axis: 1)  // [B, K]
                let targets = Tensor(shape: [batch.count, k], scalars: (0..<batch.count).flatMap { i in (0..<k).map { Float(labels[$0][i]) } })
                // Mean over concepts and images × K: the sum of per-concept BCEs, as the separate concept network trains.
                let conceptLoss = Loss.binaryCrossEntropy(logits, targets: targets) * Float(k)
                let classLoss = Loss.crossEntropy(classNet.forwardHeads([logits.sigmoid()], ctx)[0], targets: labels[k],
                                                  classWeights: config.classWeights)
                let loss = classLoss + conceptLoss * config.conceptWeight
                optimizer.learningRate = schedule.rate(at: step)
                optimizer.zeroGradients()
                tape.backward(from: loss)
                optimizer.step()
                step += 1
                progress?(epoch, b + 1, batches.count, loss.value.item)
            }
        }
    }
}
