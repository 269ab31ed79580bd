// Inference for the domains: a Network folded for speed once, run over any
// number of images in batches, giving per-head class probabilities (softmax for
// categorical heads, sigmoid for binary, CORAL cumulative probabilities for ordinal).

import Foundation

public struct Predictor {
    public let network: Network
    /// The BatchNorm-folded, activation-fused copy that actually runs.
    let folded: any Layer
    /// Images per forward pass: large enough to keep GEMMs wide, small enough for the cache-friendly planes.
    public var batchSize: Int

    public init(network: Network, batchSize: Int = 16) {
        precondition(batchSize >= 1, "batch size must be positive")
        self.network = network
        folded = foldedForInference(network)
        self.batchSize = batchSize
    }

    /// Raw logits of all heads side by side. Shapes: [N, C, H, W] → [N, Σ outputCount].
    public func logits(_ images: Tensor) -> Tensor {
        precondition(images.rank == 4 && images.shape[1] == network.spec.inputChannels,
                     "expected [N, \(network.spec.inputChannels), H, W], got \(images.shape)")
        let n = images.shape[0]
        guard n > batchSize else { return folded(images) }
        let parts = stride(from: 0, to: n, by: batchSize).map { folded(images.slice($0..<Swift.min($0 + batchSize, n))) }
        return Tensor.concat(parts, axis: 0)
    }

    /// Class probabilities per head, in spec order. Shapes: [N, C, H, W] → one [N, classes] per head.
    public func probabilities(_ images: Tensor) -> [Tensor] {
        let all = logits(images)
        let sizes = network.heads.map(\.spec.outputCount)
        let perHead = sizes.count == 1 ? [all] : all.split(sizes, axis: 1)
        return zip(network.heads, perHead).map { Predictor.probabilities($1, kind: $0.spec.kind) }
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
            // P(y > k) = σ(z_k); P(y = k) = P(y > k−1) − P(y > k), clamped at 0 where thresholds cross.
            let t = logits.shape[1]
            let exceed = logits.scalars.map { 1 / (1 + Foundation.exp(-$0)) }
            var out: [Float] = []
            out.reserveCapacity(n * (t + 1))
            for i in 0..<n {
                var above: Float = 1
                for k in 0...t {
                    let next = k < t ? exceed[i * t + k] : 0
                    out.append(Swift.max(above - next, 0))
                    above = next
                }
            }
            return Tensor(shape: [n, t + 1], scalars: out)
        }
    }
}
