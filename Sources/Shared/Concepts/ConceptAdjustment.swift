// What a concept bottleneck does to its predicted concept probabilities before the class head
// reads them, per concept: c' = clamp(offset + scale · c, 0, 1). Identity is (0, 1); a masked
// concept has scale 0 and its training mean as offset; an amplified one a scale above 1 that
// maps a new site's weaker class-conditional means back onto the training ones.

import Foundation

public struct ConceptAdjustment: Equatable, Sendable {
    public enum Kind: String, Sendable { case none, mask, amplify }

    public var offset: [Double]
    public var scale: [Double]
    public var kind: [Kind]

    public init(count: Int) {
        offset = [Double](repeating: 0, count: count)
        scale = [Double](repeating: 1, count: count)
        kind = [Kind](repeating: .none, count: count)
    }

    public var isIdentity: Bool { kind.allSatisfy { $0 == .none } }

    /// One sample's concepts adjusted.
    public func apply(_ c: [Double]) -> [Double] {
        precondition(c.count == scale.count, "\(c.count) concepts for an adjustment of \(scale.count)")
        return c.indices.map { kind[$0] == .none ? c[$0] : Swift.min(1, Swift.max(0, offset[$0] + scale[$0] * c[$0])) }
    }

    /// Fixes concept `j` to `value` (its training mean): it no longer carries anything about the image.
    public mutating func mask(_ j: Int, at value: Double) { offset[j] = value; scale[j] = 0; kind[j] = .mask }

    /// Rescales concept `j` so that `siteCenter` maps to `trainCenter` and spreads grow by `factor`.
    public mutating func amplify(_ j: Int, factor: Double, siteCenter: Double, trainCenter: Double) {
        scale[j] = factor; offset[j] = trainCenter - factor * siteCenter; kind[j] = .amplify
    }

    public func json(concepts: [String]) -> JSONObject {
        var o = JSONObject()
        for (j, name) in concepts.enumerated() where kind[j] != .none {
            o[name] = .object(["kind": .string(kind[j].rawValue), "offset": .number(offset[j]), "scale": .number(scale[j])])
        }
        return o
    }

    init(json: JSONObject, concepts: [String], file: String) throws {
        self.init(count: concepts.count)
        for (name, v) in json {
            guard let j = concepts.firstIndex(of: name) else { throw ReticleError(.corrupt, file: file, "concept adjustment names unknown concept \"\(name)\"") }
            guard let k = v["kind"]?.stringValue.flatMap(Kind.init(rawValue:)), let o = v["offset"]?.doubleValue, let s = v["scale"]?.doubleValue,
                  o.isFinite, s.isFinite else { throw ReticleError(.corrupt, file: file, "concept adjustment of \"\(name)\" lacks kind, offset or scale") }
            kind[j] = k; offset[j] = o; scale[j] = s
        }
    }
}
