// Slide-level class probabilities from tile probabilities: the mean over tiles, the per-class
// maximum, or the per-class mean of the k highest tiles (each renormalised to sum to 1).

import Foundation

public enum SlideAggregation: String, Codable, Sendable, CaseIterable {
    case mean, max, topk

    /// Shapes: tiles × classes → classes. Empty input gives an empty result.
    public func aggregate(_ tiles: [[Double]], k: Int) -> [Double] {
        guard let classes = tiles.first?.count, classes > 0 else { return [] }
        var out = [Double](repeating: 0, count: classes)
        switch self {
        case .mean:
            for t in tiles { for c in 0..<classes { out[c] += t[c] } }
            return out.map { $0 / Double(tiles.count) }
        case .max:
            for c in 0..<classes { out[c] = tiles.map { $0[c] }.max() ?? 0 }
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
