// Class probabilities of patches from a grading network (through the shared Predictor, folded
// for inference once at load) and how a micrograph's patches combine into its grade.

import Foundation
import Shared

public struct PatchClassifier {
    public let network: Network
    let predictor: Predictor

    public init(network: Network) {
        self.network = network
        predictor = Predictor(network: network, batchSize: 64)
    }

    /// Per head, per patch, the class probabilities. Shapes: patches [N, C, H, W] → heads × N × classes.
    public func probabilities(_ patches: Tensor) -> [[[Double]]] {
        predictor.probabilities(patches).map { p in
            let (n, k) = (p.shape[0], p.shape[1])
            let v = p.scalars
            return (0..<n).map { i in (0..<k).map { Double(v[i * k + $0]) } }
        }
    }

    /// Per head, per patch, the class probabilities, and per patch the features the type head reads (one pass).
    /// Shapes: patches [N, C, H, W] → (heads × N × classes, N × F).
    public func classify(_ patches: [Tensor]) -> (probabilities: [[[Double]]], features: [[Double]]) {
        guard !patches.isEmpty else { return (network.heads.map { _ in [] }, []) }
        let (p, f) = predictor.probabilitiesAndFeatures([Tensor.stack(patches)])
        return (p.map(Self.rows), Self.rows(f))
    }

    /// [N, K] → N rows of K.
    static func rows(_ t: Tensor) -> [[Double]] {
        let (n, k) = (t.shape[0], t.shape[1])
        let v = t.scalars
        return (0..<n).map { i in (0..<k).map { Double(v[i * k + $0]) } }
    }

    /// Mean of patch probabilities (the image's probabilities).
    public static func mean(_ rows: [[Double]]) -> [Double] {
        guard let first = rows.first else { return [] }
        var sum = [Double](repeating: 0, count: first.count)
        for r in rows { for j in r.indices { sum[j] += r[j] } }
        return sum.map { $0 / Double(rows.count) }
    }

    /// The image's probabilities from its patches: the normalised geometric mean (the mean of
    /// log-probabilities, floored at 1e-6), so that patches agreeing confidently outweigh a few
    /// ambiguous ones as independent evidence would.
    public static func aggregate(_ rows: [[Double]]) -> [Double] {
        guard let first = rows.first else { return [] }
        var sum = [Double](repeating: 0, count: first.count)
        for r in rows { for j in r.indices { sum[j] += Foundation.log(max(r[j], 1e-6)) } }
        let top = sum.max() ?? 0
        let e = sum.map { Foundation.exp(($0 - top) / Double(rows.count)) }
        let s = e.reduce(0, +)
        return e.map { $0 / s }
    }

    /// The class of an ordinal distribution: its median, i.e. the number of thresholds whose
    /// cumulative probability P(y > j) exceeds one half (the CORAL decision rule). Unlike the
    /// argmax it never skips over the mass of neighbouring classes.
    public static func median(_ p: [Double]) -> Int {
        let total = p.reduce(0, +)
        var cumulative = 0.0
        for (i, v) in p.enumerated() {
            cumulative += v
            if cumulative >= total / 2 { return i }
        }
        return max(0, p.count - 1)
    }

    public static func argmax(_ p: [Double]) -> Int {
        var best = 0
        for (i, v) in p.enumerated() where v > p[best] { best = i }
        return best
    }
}
