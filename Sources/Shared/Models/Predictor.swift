// Inference for the domains: a Network folded for speed once, run over any
// number of samples in batches, giving per-head class probabilities (softmax for
// categorical heads, sigmoid for binary, CORAL cumulative probabilities for ordinal).

import Foundation

public struct Predictor {
    public let network: Network
    /// The BatchNorm-folded, activation-fused copy that actually runs.
    public let folded: Network
    /// Samples per forward pass: large enough to keep GEMMs wide, small enough for the cache-friendly planes.
    public var batchSize: Int

    public init(network: Network, batchSize: Int = 16) {
        precondition(batchSize >= 1, "batch size must be positive")
        self.network = network
        folded = network.folded()
        self.batchSize = batchSize
    }

    /// Raw logits of all heads side by side, one tensor per graph input. Shapes: N samples each → [N, Σ outputCount].
    public func logits(_ inputs: [Tensor]) -> Tensor {
        precondition(inputs.count == network.inputs.count && inputs.allSatisfy { $0.shape[0] == inputs[0].shape[0] },
                     "one tensor per input (\(network.inputs.count)), all with the same number of samples")
        let n = inputs[0].shape[0]
        guard n > batchSize else { return folded(inputs) }
        let parts = stride(from: 0, to: n, by: batchSize).map { start in
            folded(inputs.map { $0.slice(start..<Swift.min(start + batchSize, n)) })
        }
        return Tensor.concat(parts, axis: 0)
    }

    /// Raw logits for a single-input network. Shapes: [N, C, H, W] → [N, Σ outputCount].
    public func logits(_ images: Tensor) -> Tensor { logits([images]) }

    /// Class probabilities per head, in graph order. Shapes: N samples → one [N, classes] per head.
    public func probabilities(_ inputs: [Tensor]) -> [Tensor] {
        let all = logits(inputs)
        let sizes = network.heads.map(\.spec.outputCount)
        let perHead = sizes.count == 1 ? [all] : all.split(sizes, axis: 1)
        return zip(network.heads, perHead).map { Predictor.probabilities($1, kind: $0.spec.kind) }
    }

    public func probabilities(_ images: Tensor) -> [Tensor] { probabilities([images]) }

    /// Class probabilities per head and the features the first head reads, batched.
    /// Shapes: N samples → (one [N, classes] per head, [N, F]).
    public func probabilitiesAndFeatures(_ inputs: [Tensor]) -> (probabilities: [Tensor], features: Tensor) {
        precondition(inputs.count == network.inputs.count && inputs.allSatisfy { $0.shape[0] == inputs[0].shape[0] },
                     "one tensor per input (\(network.inputs.count)), all with the same number of samples")
        let n = inputs[0].shape[0]
        var logits: [[Tensor]] = network.heads.map { _ in [] }, features: [Tensor] = []
        for start in stride(from: 0, to: n, by: batchSize) {
            let part = folded.headOutputs(inputs.map { Variable($0.slice(start..<Swift.min(start + batchSize, n))) }, .inference)
            features.append(part.features[0].value)
            for h in logits.indices { logits[h].append(part.logits[h].value) }
        }
        let probabilities = zip(network.heads, logits).map { head, parts in
            Predictor.probabilities(parts.count == 1 ? parts[0] : Tensor.concat(parts, axis: 0), kind: head.spec.kind)
        }
        return (probabilities, features.count == 1 ? features[0] : Tensor.concat(features, axis: 0))
    }

    /// Logits of one head → probabilities over its classes. Shapes: [N, outputCount] → [N, classes].
    public static func probabilities(_ logits: Tensor, kind: HeadSpec.Kind) -> Tensor {
        let n = logits.shape[0]
        switch kind {
        case .categorical:
            return Variable.softmaxRows(logits)
        case .binary:
            let p = logits.scalars.map { 1 / (1 + Foundation.exp(-$0)) }
            return Tensor(shape: [n, 2], scalars: p.flatMap { [1 - $0, $0] })
        case .ordinal:
            // P(y > k) = σ(z_k); P(y = k) = P(y > k−1) − P(y > k), clamped at 0 where thresholds cross and
            // renormalised, so every row is a distribution.
            let t = logits.shape[1]
            let exceed = logits.scalars.map { 1 / (1 + Foundation.exp(-$0)) }
            var out: [Float] = []
            out.reserveCapacity(n * (t + 1))
            for i in 0..<n {
                var above: Float = 1
                var row: [Float] = []
                for k in 0...t {
                    let next = k < t ? exceed[i * t + k] : 0
                    row.append(Swift.max(above - next, 0))
                    above = next
                }
                let sum = row.reduce(0, +)
                out += sum > 0 ? row.map { $0 / sum } : [Float](repeating: 1 / Float(t + 1), count: t + 1)
            }
            return Tensor(shape: [n, t + 1], scalars: out)
        }
    }
}
