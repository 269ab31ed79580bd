// Slide-level class probabilities from tile probabilities: the mean over tiles, the per-class
// maximum, or the per-class mean of the k highest tiles (each renormalised to sum to 1); or
// gated attention MIL over the tiles' features, which needs a MIL model (`--mil`) and is
// computed by `AttentionMIL`, not from tile probabilities.

import Foundation

public enum SlideAggregation: String, Codable, Sendable, CaseIterable {
    case mean, max, topk, attention

    /// The aggregations computed from tile probabilities alone.
    public static let fromProbabilities: [SlideAggregation] = [.mean, .max, .topk]

    /// Shapes: tiles × classes → classes. Empty input (and `attention`, which needs features) gives an empty result.
    public func aggregate(_ tiles: [[Double]], k: Int) -> [Double] {
        guard self != .attention, let classes = tiles.first?.count, classes > 0 else { return [] }
        var out = [Double](repeating: 0, count: classes)
        switch self {
        case .mean:
            for t in tiles { for c in 0..<classes { out[c] += t[c] } }
            return out.map { $0 / Double(tiles.count) }
        case .max:
            for c in 0..<classes { out[c] = tiles.map { $0[c] }.max() ?? 0 }
        case .attention:
            return []
        case .topk:
            let kk = Swift.max(1, Swift.min(k, tiles.count))
            for c in 0..<classes {
                let top = tiles.map { $0[c] }.sorted(by: >).prefix(kk)
                out[c] = top.reduce(0, +) / Double(kk)
            }
        }
        let sum = out.reduce(0, +)
        return sum > 0 ? out.map { $0 / sum } : out
    }
}
