// Training an `AttentionMIL` from bag labels: one bag per step (bags differ in size, as CLAM
// trains), AdamW, bags shuffled each epoch by a seeded generator, cross-entropy on the bag's
// logits. The standardisation is fitted on the training bags first. Deterministic for a seed.

import Foundation

public struct AttentionMILTrainer {
    public struct Config: Codable, Equatable, Sendable {
        public var epochs = 40
        public var hidden = 64
        public var learningRate: Float = 1e-3
        public var weightDecay: Float = 1e-4
        public var seed: UInt64 = 1
        public init() {}
    }

    public struct Epoch: Sendable {
        public var epoch: Int
        public var trainLoss: Double
        public var validationLoss: Double?
        public var validationAccuracy: Double?

        /// One line of the training log.
        public var json: JSONValue {
            var o: JSONObject = ["epoch": .int(epoch), "train_loss": .number(trainLoss)]
            if let validationLoss { o["validation_loss"] = .number(validationLoss) }
            if let validationAccuracy { o["validation_accuracy"] = .number(validationAccuracy) }
            return .object(o)
        }
    }

    public let config: Config
    /// Called after every epoch (a progress bar, a log line).
    public var onEpoch: ((Epoch) -> Void)?

    public init(config: Config) { self.config = config }

    /// Bags `bags[i]` ([N_i, F], N_i ≥ 1) with labels in 0..<classes.count; `train` and `validation` index them.
    public func train(bags: [Tensor], labels: [Int], classes: [String], train: [Int], validation: [Int]) throws -> (mil: AttentionMIL, history: [Epoch]) {
        guard let f = bags.first?.shape.last, bags.allSatisfy({ $0.rank == 2 && $0.shape[0] >= 1 && $0.shape[1] == f }) else {
            throw ReticleError(.usage, "attention MIL needs bags of the same feature width, each with at least one instance")
        }
        precondition(labels.count == bags.count && labels.allSatisfy { classes.indices.contains($0) }, "one label in 0..<\(classes.count) per bag")
        guard !train.isEmpty else { throw ReticleError(.usage, "attention MIL needs at least one training bag") }
        let mil = AttentionMIL(config: .init(features: f, hidden: config.hidden, classes: classes), seed: config.seed)
        mil.fitStandardization(train.map { bags[$0] })
        let optimizer = AdamW(mil.trainableParameters, learningRate: config.learningRate, weightDecay: config.weightDecay)
        var rng = SplitMix64(seed: config.seed &+ 1)
        var history: [Epoch] = []
        for epoch in 1...config.epochs {
            var order = train
            order.shuffle(using: &rng)
            var total = 0.0
            for i in order {
                let tape = Tape()
                let ctx = ForwardContext(tape: tape, training: true, seed: config.seed)
                let loss = Loss.crossEntropy(mil.forward(Variable(bags[i]), ctx).logits, targets: [labels[i]])
                total += Double(loss.value.item)
                optimizer.zeroGradients()
                tape.backward(from: loss)
                optimizer.step()
            }
            var e = Epoch(epoch: epoch, trainLoss: total / Double(order.count))
            if !validation.isEmpty {
                let (loss, accuracy) = Self.evaluate(mil, bags: validation.map { bags[$0] }, labels: validation.map { labels[$0] })
                e.validationLoss = loss
                e.validationAccuracy = accuracy
            }
            history.append(e)
            onEpoch?(e)
        }
        return (mil, history)
    }

    /// Mean cross-entropy and accuracy of `mil` on labelled bags.
    public static func evaluate(_ mil: AttentionMIL, bags: [Tensor], labels: [Int]) -> (loss: Double, accuracy: Double) {
        var loss = 0.0, right = 0
        for (b, y) in zip(bags, labels) {
            let p = mil.predict(b).probabilities
            loss -= Foundation.log(Swift.max(p[y], 1e-12))
            if p.indices.max(by: { p[$0] < p[$1] }) == y { right += 1 }
        }
        let n = Double(Swift.max(bags.count, 1))
        return (loss / n, Double(right) / n)
    }
}
