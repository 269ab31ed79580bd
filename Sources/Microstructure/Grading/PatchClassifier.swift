// Class probabilities of patches from a grading network: softmax for categorical heads,
// class probabilities from the CORAL thresholds for ordinal ones. The backbone is folded
// for inference (BatchNorm into convolutions) once, at load.

import Foundation
import Shared

public struct PatchClassifier {
    public let network: Network
    let folded: any Layer

    public init(network: Network) {
        self.network = network
        folded = foldedForInference(network.backbone)
    }

    /// Per head, per patch, the class probabilities. Shapes: patches [N, C, H, W] → heads × N × classes.
    public func probabilities(_ patches: Tensor, batch: Int = 64) -> [[[Double]]] {
        var out = [[[Double]]](repeating: [], count: network.heads.count)
        let n = patches.shape[0]
        for start in stride(from: 0, to: n, by: batch) {
            let x = patches.slice(start..<min(start + batch, n))
            let features = folded(Variable(x), .inference)
            for (h, head) in network.heads.enumerated() {
                let logits = head(features, .inference).value
                out[h] += PatchClassifier.probabilities(logits, kind: head.spec.kind, classCount: head.spec.classes.count)
            }
        }
        return out
    }

    /// Rows of probabilities from one head's logits. Shapes: logits [N, outputCount] → N × classCount.
    public static func probabilities(_ logits: Tensor, kind: HeadSpec.Kind, classCount k: Int) -> [[Double]] {
        let n = logits.shape[0], m = logits.shape[1]
        let z = logits.scalars.map(Double.init)
        return (0..<n).map { i in
            let row = Array(z[(i * m)..<((i + 1) * m)])
            switch kind {
            case .categorical:
                let top = row.max() ?? 0
                let e = row.map { Foundation.exp($0 - top) }
                let s = e.reduce(0, +)
                return e.map { $0 / s }
            case .binary:
                let p = 1 / (1 + Foundation.exp(-row[0]))
                return [1 - p, p]
            case .ordinal:
                // P(y > j) = σ(z_j); P(y = j) = P(y > j−1) − P(y > j), clipped at 0 (thresholds may cross) and renormalised.
                let above = row.map { 1 / (1 + Foundation.exp(-$0)) }
                var p = (0..<k).map { j in max(0, (j == 0 ? 1 : above[j - 1]) - (j == k - 1 ? 0 : above[j])) }
                let s = p.reduce(0, +)
                p = s > 0 ? p.map { $0 / s } : [Double](repeating: 1 / Double(k), count: k)
                return p
            }
        }
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
