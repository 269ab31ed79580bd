// Where the training images lie in the feature space the type head reads: one centroid per
// type and a pooled within-type spread per feature. An image whose mean patch feature is far
// from every centroid (in units of that spread) is unlike anything the model was trained on,
// however confident its softmax: an unseen structure type, another laboratory's preparation.
// The limit is a multiple of the 95th percentile of the training images' own distances.

import Foundation
import Shared

public struct FeatureDistribution: Equatable, Sendable {
    /// Per type class, the mean feature of its training images.
    public var centroids: [[Double]]
    /// Per feature, the pooled within-class standard deviation (floored, so dead features cannot explode).
    public var scales: [Double]
    /// The 95th percentile of the training images' distances: the unit of `distance`'s ratio.
    public var reference: Double

    public static let percentile = 0.95

    public init(centroids: [[Double]], scales: [Double], reference: Double) {
        self.centroids = centroids; self.scales = scales; self.reference = reference
    }

    /// From the image features of the training images and their types; nil without features.
    public init?(features: [[Double]], labels: [Int], classes: Int) {
        guard let dims = features.first?.count, dims > 0, features.count == labels.count else { return nil }
        var sums = [[Double]](repeating: [Double](repeating: 0, count: dims), count: classes)
        var counts = [Int](repeating: 0, count: classes)
        for (f, y) in zip(features, labels) where f.count == dims { counts[y] += 1; for j in 0..<dims { sums[y][j] += f[j] } }
        let centroids = (0..<classes).map { c in sums[c].map { $0 / Double(max(counts[c], 1)) } }
        var sq = [Double](repeating: 0, count: dims)
        for (f, y) in zip(features, labels) where f.count == dims { for j in 0..<dims { sq[j] += (f[j] - centroids[y][j]) * (f[j] - centroids[y][j]) } }
        var scales = sq.map { ($0 / Double(max(features.count - 1, 1))).squareRoot() }
        // A feature that never varied in training (a dead unit) gets a tenth of the median spread.
        let floor = max(0.1 * scales.sorted()[dims / 2], 1e-6)
        scales = scales.map { max($0, floor) }
        let present = (0..<classes).filter { counts[$0] > 0 }
        var d = FeatureDistribution(centroids: centroids, scales: scales, reference: 1)
        d.present = present
        let distances = features.map { d.rawDistance($0) }.sorted()
        d.reference = max(distances[min(distances.count - 1, Int((Self.percentile * Double(distances.count - 1)).rounded()))], 1e-6)
        self = d
    }

    /// Classes with training images (the others have no centroid).
    var present: [Int]?

    /// The root-mean-square standardised distance to the nearest class centroid.
    func rawDistance(_ f: [Double]) -> Double {
        var best = Double.infinity
        for c in present ?? Array(centroids.indices) where centroids[c].count == f.count {
            var s = 0.0
            for j in f.indices { let z = (f[j] - centroids[c][j]) / scales[j]; s += z * z }
            best = min(best, (s / Double(max(f.count, 1))).squareRoot())
        }
        return best
    }

    /// The image's distance as a multiple of the training 95th percentile (1 is an ordinary training image).
    public func distance(_ feature: [Double]) -> Double { rawDistance(feature) / reference }

    static func compact(_ v: Double) -> JSONValue { .number(Double(String(format: "%.5g", v)) ?? v) }

    public var json: JSONValue {
        ["centroids": .array(centroids.map { .array($0.map(Self.compact)) }), "scales": .array(scales.map(Self.compact)),
         "reference": Self.compact(reference), "reference_percentile": .number(Self.percentile),
         "distance": "root-mean-square standardised distance of the image's mean type-head feature to the nearest type centroid",
         "classes_present": .array((present ?? Array(centroids.indices)).map { .int($0) })]
    }

    /// From a model's provenance; nil when absent or malformed.
    public init?(json: JSONValue?) {
        guard let c = json?["centroids"]?.arrayValue?.map({ $0.arrayValue?.compactMap(\.doubleValue) ?? [] }),
              let s = json?["scales"]?.arrayValue?.compactMap(\.doubleValue), let r = json?["reference"]?.doubleValue,
              !s.isEmpty, r > 0, c.allSatisfy({ $0.isEmpty || $0.count == s.count }), s.allSatisfy({ $0 > 0 }) else { return nil }
        self.init(centroids: c, scales: s, reference: r)
        present = json?["classes_present"]?.arrayValue?.compactMap(\.intValue).filter { $0 >= 0 && $0 < c.count && c[$0].count == s.count }
    }
}
