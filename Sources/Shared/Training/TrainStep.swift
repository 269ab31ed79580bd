// One optimisation step of a multi-head Network, and prediction: each head's
// loss follows its kind (categorical → cross-entropy, binary → BCE,
// ordinal → CORAL), and the step minimises their sum.

/// Loss settings applied to every categorical head (ordinal and binary heads ignore smoothing).
public struct LossOptions: Codable, Equatable, Sendable {
    public var labelSmoothing: Float = 0
    /// Per head name, weights per class (for imbalanced data).
    public var classWeights: [String: [Float]] = [:]
    public init(labelSmoothing: Float = 0, classWeights: [String: [Float]] = [:]) {
        self.labelSmoothing = labelSmoothing; self.classWeights = classWeights
    }
}

extension Network {
    /// The summed loss of all heads. Shapes: one tensor of N samples per graph input; labels one array of N class indices per head.
    public func loss(_ inputs: [Variable], labels: [[Int]], options: LossOptions = LossOptions(), _ ctx: ForwardContext) -> Variable {
        precondition(labels.count == heads.count, "\(labels.count) label sets for \(heads.count) heads")
        let outs = forwardHeads(inputs, ctx)
        var total: Variable?
        for (head, (logits, y)) in zip(heads, zip(outs, labels)) {
            let weights = options.classWeights[head.spec.name]
            let l: Variable
            switch head.spec.kind {
            case .categorical:
                l = Loss.crossEntropy(logits, targets: y, labelSmoothing: options.labelSmoothing, classWeights: weights)
            case .binary:
                l = Loss.binaryCrossEntropy(logits, targets: Tensor(shape: [y.count, 1], scalars: y.map(Float.init)))
            case .ordinal:
                l = Loss.coral(logits, labels: y, classWeights: weights)
            }
            total = total.map { $0 + l } ?? l
        }
        return total!
    }

    /// The summed loss of all heads of a single-input network. Shapes: inputs [N, C, H, W].
    public func loss(_ inputs: Variable, labels: [[Int]], options: LossOptions = LossOptions(), _ ctx: ForwardContext) -> Variable {
        loss([inputs], labels: labels, options: options, ctx)
    }

    /// Forward in training mode, backward, optional clipping, optimiser step, for a single-input network. Returns the loss.
    @discardableResult
    public func trainStep(inputs: Tensor, labels: [[Int]], optimizer: Optimizer, options: LossOptions = LossOptions(),
                          clipNorm: Float? = nil, seed: UInt64 = 0) -> Float {
        trainStep(inputs: [inputs], labels: labels, optimizer: optimizer, options: options, clipNorm: clipNorm, seed: seed)
    }

    /// Forward in training mode, backward, optional clipping, optimiser step. Returns the loss.
    @discardableResult
    public func trainStep(inputs: [Tensor], labels: [[Int]], optimizer: Optimizer, options: LossOptions = LossOptions(),
                          clipNorm: Float? = nil, seed: UInt64 = 0) -> Float {
        let tape = Tape()
        let ctx = ForwardContext(tape: tape, training: true, seed: seed)
        let l = loss(inputs.map { Variable($0) }, labels: labels, options: options, ctx)
        optimizer.zeroGradients()
        tape.backward(from: l)
        if let clipNorm { clipGradientNorm(optimizer.parameters, maxNorm: clipNorm) }
        optimizer.step()
        return l.value.item
    }

    /// Predicted class index per head (evaluation mode), single input. Shapes: inputs [N, C, H, W] → one array of N per head.
    public func predict(_ inputs: Tensor) -> [[Int]] { predict([inputs]) }

    /// Predicted class index per head (evaluation mode). Shapes: one tensor of N samples per input → one array of N per head.
    public func predict(_ inputs: [Tensor]) -> [[Int]] {
        let outs = forwardHeads(inputs.map { Variable($0) }, .inference)
        return zip(heads, outs).map { head, logits in
            switch head.spec.kind {
            case .categorical: return logits.value.argmaxRows()
            case .binary: return logits.value.scalars.map { $0 > 0 ? 1 : 0 }
            case .ordinal: return Loss.coralPredictions(logits.value)
            }
        }
    }
}
