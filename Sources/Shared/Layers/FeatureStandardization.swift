// Standardises a feature vector with statistics learned in training, as BatchNorm does for
// images but without a learned scale and shift (the linear layer after it has both): a
// texture descriptor mixes histogram shares of 0.001 with correlations near 1, and a
// linear classifier trained by gradient steps needs them on one scale.

import Foundation

/// Shapes: [N, F] → [N, F]. Training mode normalises with the batch's statistics and moves the running ones
/// towards them (`momentum`); evaluation uses the running ones. The statistics count as constants in the
/// backward pass (gradient 1/σ per feature), which is exact for inputs that carry no gradient, as texture features.
public struct FeatureStandardization: Layer {
    public let runningMean: Parameter
    public let runningVar: Parameter
    public let momentum: Float
    public let epsilon: Float

    public init(features: Int, momentum: Float = 0.1, epsilon: Float = 1e-5) {
        runningMean = Parameter(.zeros([features]), trainable: false)
        runningVar = Parameter(.ones([features]), trainable: false)
        self.momentum = momentum; self.epsilon = epsilon
    }

    public func forward(_ x: Variable, _ ctx: ForwardContext) -> Variable {
        precondition(x.value.rank == 2 && x.value.shape[1] == runningMean.value.count,
                     "feature standardisation needs [N, \(runningMean.value.count)], got \(x.value.shape)")
        let (n, f) = (x.value.shape[0], x.value.shape[1])
        var mean = runningMean.value.scalars, variance = runningVar.value.scalars
        if ctx.training && n > 1 {
            let v = x.value.scalars
            var bm = [Float](repeating: 0, count: f), bv = [Float](repeating: 0, count: f)
            for i in 0..<n { for j in 0..<f { bm[j] += v[i * f + j] } }
            for j in 0..<f { bm[j] /= Float(n) }
            for i in 0..<n { for j in 0..<f { let d = v[i * f + j] - bm[j]; bv[j] += d * d } }
            for j in 0..<f { bv[j] /= Float(n) }
            let unbiased = Float(n) / Float(n - 1)
            runningMean.value = Tensor(shape: [f], scalars: (0..<f).map { (1 - momentum) * mean[$0] + momentum * bm[$0] })
            runningVar.value = Tensor(shape: [f], scalars: (0..<f).map { (1 - momentum) * variance[$0] + momentum * bv[$0] * unbiased })
            mean = bm; variance = bv
        }
        let shift = Variable(Tensor(shape: [1, f], scalars: mean.map { -$0 }))
        let scale = Variable(Tensor(shape: [1, f], scalars: variance.map { 1 / ($0 + epsilon).squareRoot() }))
        return (x + shift) * scale
    }

    public var namedParameters: [(name: String, parameter: Parameter)] { [("running_mean", runningMean), ("running_var", runningVar)] }
    public func foldedForInference() -> any Layer { self }
}

extension FeatureStandardization {
    /// The "feature_standardization" layer kind: attributes momentum (0…1), eps.
    static func factory(_ node: LayerNode, _ inputs: [FeatureShape], _ ctx: LayerBuildContext) throws -> BuiltLayer {
        guard inputs.count == 1, inputs[0].rank == 2 else { throw node.invalid("needs one feature vector [N, F]") }
        try ctx.reserve(2 * inputs[0].channels, for: node)
        return BuiltLayer(FeatureStandardization(features: inputs[0].channels,
                                                 momentum: Float(try node.number("momentum", 0.1, in: 0...1)),
                                                 epsilon: Float(try node.number("eps", 1e-5, in: 1e-12...1))), inputs[0])
    }
}
