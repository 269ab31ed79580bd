// PESG, the proximal epoch stochastic gradient method that LibAUC pairs with the AUC-margin loss
// (`libauc.optimizers.PESG`, 'sgd' mode), for the network's weights plus the loss's a and b:
//
//   d  = clamp(∇w, ±clip) + λ₀·(w − w_ref) + λ·w        (epoch-level decay towards w_ref, weight decay)
//   buf = d on the first step, then (1−μ)·buf + μ·d       (LibAUC's momentum form), d = buf
//   w  ← w − η·d;   w_acc ← w_acc + w
//   α  ← clamp(α + η·(2(m + b − a) − 2α), 0, 999)        (gradient ascent on the dual variable)
//
// and at each stage boundary `updateRegularizer(decayFactor:)`: η ← η / factor, w_ref ← w_acc / T
// (the mean of the iterates since the last reset), w_acc ← 0. LibAUC starts w_ref at N(0, 0.01²).

import Foundation

public final class PESG: Optimizer {
    /// The network's trainable parameters, then a and b.
    public let parameters: [Parameter]
    public let loss: AUCMarginLoss
    /// The rate the caller sets (a schedule's); each step uses it divided by the stage divisor.
    public var learningRate: Float
    public let clipValue, weightDecay, epochDecay, momentum: Float
    /// Product of the stage decay factors applied so far.
    public private(set) var stageDivisor: Float = 1
    private var reference: [Tensor]
    private var accumulated: [Tensor]
    private var buffers: [Tensor?]
    /// Steps since the last reference reset (LibAUC's T).
    public private(set) var stepsInStage = 0

    public init(_ parameters: [Parameter], loss: AUCMarginLoss, learningRate: Float = 0.1, clipValue: Float = 1,
                weightDecay: Float = 1e-5, epochDecay: Float = 2e-3, momentum: Float = 0.9, seed: UInt64 = 0) {
        precondition(learningRate > 0 && clipValue > 0 && weightDecay >= 0 && epochDecay >= 0 && (0...1).contains(momentum), "invalid PESG settings")
        self.parameters = parameters.filter(\.isTrainable) + [loss.a, loss.b]
        self.loss = loss
        self.learningRate = learningRate; self.clipValue = clipValue; self.weightDecay = weightDecay
        self.epochDecay = epochDecay; self.momentum = momentum
        var rng = SplitMix64(seed: seed)
        reference = self.parameters.map { Tensor.normal($0.shape, std: 0.01, using: &rng) }
        accumulated = self.parameters.map { Tensor(shape: $0.shape) }
        buffers = [Tensor?](repeating: nil, count: self.parameters.count)
    }

    /// The rate the last step used.
    public var effectiveLearningRate: Float { learningRate / stageDivisor }

    public func step() {
        let lr = effectiveLearningRate
        for (i, p) in parameters.enumerated() {
            guard let g = p.grad else { continue }
            var d = Tensor(shape: p.shape)
            let (clip, lambda0, lambda) = (clipValue, epochDecay, weightDecay)
            g.withUnsafePointer { gp in p.value.withUnsafePointer { w in reference[i].withUnsafePointer { r in d.withUnsafeMutablePointer { dp in
                for j in 0..<g.count {
                    dp[j] = Swift.min(Swift.max(gp[j], -clip), clip) + lambda0 * (w[j] - r[j]) + lambda * w[j]
                }
            } } } }
            if momentum != 0 {
                if var b = buffers[i] {
                    buffers[i] = nil
                    b = b * (1 - momentum)
                    b.add(d, scaledBy: momentum)
                    d = b
                }
                buffers[i] = d
            }
            p.value.add(d, scaledBy: -lr)
            accumulated[i].add(p.value, scaledBy: 1)
        }
        // LibAUC steps α from the closed form of ∂F/∂α only when the loss produced a gradient for it.
        if loss.alpha.grad != nil {
            let (a, b, al) = (loss.a.value.scalars[0], loss.b.value.scalars[0], loss.alpha.value.scalars[0])
            let next = al + lr * (2 * (loss.margin + b - a) - 2 * al)
            loss.alpha.value = Tensor(shape: [1], scalars: [Swift.min(Swift.max(next, 0), 999)])
            loss.alpha.grad = nil
        }
        stepsInStage += 1
    }

    /// A stage boundary: divides the rate by `decayFactor` (when given) and moves the reference point to the
    /// mean of the iterates since the last boundary.
    public func updateRegularizer(decayFactor: Float? = nil) {
        if let f = decayFactor { precondition(f > 0, "decay factor must be positive"); stageDivisor *= f }
        guard stepsInStage > 0 else { return }
        for i in parameters.indices {
            reference[i] = accumulated[i] * (1 / Float(stepsInStage))
            accumulated[i] = Tensor(shape: parameters[i].shape)
        }
        stepsInStage = 0
    }
}
