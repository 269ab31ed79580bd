// Gated-attention multiple-instance learning (Ilse, Tomczak & Welling, "Attention-based Deep
// Multiple Instance Learning", ICML 2018; the gated variant as CLAM uses it): a bag of instance
// features h_i (a slide's tiles) becomes one embedding z = Σ a_i h_i with
// a = softmax_i(w·(tanh(V h_i) ⊙ sigmoid(U h_i)) + c), and a linear classifier reads z. Trained
// from bag labels alone; the weights a_i say which instances decided. Runs on the shared tape,
// so its gradients are the autodiff ops' exact ones (checked against finite differences).

import Foundation

public final class AttentionMIL: @unchecked Sendable {  // weights are only written by the trainer
    /// What the file needs to rebuild the network.
    public struct Config: Codable, Equatable, Sendable {
        /// F: features per instance.
        public var features: Int
        /// D: width of the attention's hidden layer.
        public var hidden: Int
        public var classes: [String]

        public init(features: Int, hidden: Int, classes: [String]) {
            self.features = features; self.hidden = hidden; self.classes = classes
        }

        func validate() throws {
            guard (1...65_536).contains(features), (1...65_536).contains(hidden), (2...1024).contains(classes.count) else {
                throw ReticleError(.corrupt, "attention MIL: \(features) features, hidden \(hidden) and \(classes.count) classes are not a valid network")
            }
        }
    }

    public let config: Config
    /// V (tanh branch), U (sigmoid gate), w (attention score) and the bag classifier; names as CLAM's.
    let attentionA, attentionB, attentionC, classifier: Linear
    /// Per-feature standardisation fitted on the training bags (buffers, not trained).
    public let featureMean, featureStd: Parameter

    public init(config: Config, seed: UInt64 = 0) {
        self.config = config
        var rng = SplitMix64(seed: seed)
        let (f, d, k) = (config.features, config.hidden, config.classes.count)
        attentionA = Linear(f, d, rng: &rng)
        attentionB = Linear(f, d, rng: &rng)
        attentionC = Linear(d, 1, rng: &rng)
        classifier = Linear(f, k, rng: &rng)
        featureMean = Parameter(Tensor(shape: [f]), trainable: false)
        featureStd = Parameter(Tensor(shape: [f], repeating: 1), trainable: false)
    }

    public var namedParameters: [(name: String, parameter: Parameter)] {
        named("attention_a", attentionA) + named("attention_b", attentionB) + named("attention_c", attentionC)
            + named("classifier", classifier) + [("feature_mean", featureMean), ("feature_std", featureStd)]
    }

    public var trainableParameters: [Parameter] { namedParameters.map(\.parameter).filter(\.isTrainable) }

    /// Fits the standardisation on every instance of `bags` (each [N_i, F]); spreads under 1e-6 count as 1.
    public func fitStandardization(_ bags: [Tensor]) {
        let f = config.features
        var sum = [Double](repeating: 0, count: f), sq = sum
        var n = 0.0
        for b in bags {
            precondition(b.rank == 2 && b.shape[1] == f, "bag \(b.shape) is not [N, \(f)]")
            b.withUnsafePointer { p in
                for i in 0..<b.shape[0] { for j in 0..<f { let v = Double(p[i * f + j]); sum[j] += v; sq[j] += v * v } }
            }
            n += Double(b.shape[0])
        }
        guard n > 0 else { return }
        let mean = sum.map { $0 / n }
        let std = (0..<f).map { j -> Double in let s = (Swift.max(0, sq[j] / n - mean[j] * mean[j])).squareRoot(); return s < 1e-6 ? 1 : s }
        featureMean.value = Tensor(shape: [f], scalars: mean.map(Float.init))
        featureStd.value = Tensor(shape: [f], scalars: std.map(Float.init))
    }

    /// One bag. Shapes: features [N, F] (N ≥ 1) → logits [1, K], attention [1, N] (sums to 1).
    public func forward(_ features: Variable, _ ctx: ForwardContext) -> (logits: Variable, attention: Variable) {
        precondition(features.value.rank == 2 && features.shape[0] >= 1 && features.shape[1] == config.features,
                     "attention MIL expects [N ≥ 1, \(config.features)], got \(features.shape)")
        let n = features.shape[0]
        let h = (features - Variable(featureMean.value)) / Variable(featureStd.value)
        let gated = attentionA(h, ctx).tanh() * attentionB(h, ctx).sigmoid()
        let attention = attentionC(gated, ctx).reshaped([1, n]).softmax()
        let bag = attention.matmul(h)
        return (classifier(bag, ctx), attention)
    }

    /// Class probabilities of a bag and each instance's attention weight. Shapes: [N, F] → K, N values.
    public func predict(_ features: Tensor) -> (probabilities: [Double], attention: [Double]) {
        let (logits, attention) = forward(Variable(features), .inference)
        return (Variable.softmaxRows(logits.value).scalars.map(Double.init), attention.value.scalars.map(Double.init))
    }
}
