// Training-free adaptation of a concept bottleneck to a new site from a few labelled images per
// class. Each concept's class-conditional means at the site (on the shots) are regressed on its
// training ones (`ConceptBottleneck.classConceptMeans`): the slope r says how much of the concept's
// class signal survives. A concept that separated the classes in training but whose signal at the
// site is gone or reversed (r < `maskBelow`) fires where it should not: it is masked, fixed to its
// training mean. One whose signal survives but weaker (r < `amplifyBelow`) is amplified: rescaled by
// 1/r about the site's centre so the site's class means land on the training ones. Candidates are
// tried strongest first and each is kept only if it lowers the shots' negative log-likelihood, so
// an edit the shots do not support is not made. No weight changes.

import Foundation

public enum ConceptAdaptation {
    public struct Settings: Codable, Equatable, Sendable {
        /// Signal ratio below which a concept is masked.
        public var maskBelow = 0.3
        /// Signal ratio below which a concept is amplified.
        public var amplifyBelow = 0.8
        /// Concepts whose training class means spread less than this (standard deviation over classes) are left alone.
        public var minimumSpread = 0.1
        /// Largest amplification.
        public var maximumFactor = 5.0
        public init() {}
    }

    public struct Edit: Equatable, Sendable {
        public var concept: Int
        public var kind: ConceptAdjustment.Kind
        /// The site's signal ratio r (slope of site on training class means).
        public var signalRatio: Double
        public var scale: Double
    }

    public struct Result: Sendable {
        public var adjustment: ConceptAdjustment
        /// Edits kept, in the order tried.
        public var edits: [Edit]
        /// Signal ratio per concept (nil where the concept does not separate the classes in training).
        public var signalRatios: [Double?]
        public var shotNLLBefore: Double
        public var shotNLLAfter: Double
    }

    /// `shots`: raw concept probabilities of the site's labelled images ([S][K]); `labels`: their classes.
    public static func fit(_ model: ConceptBottleneck, shots: [[Double]], labels: [Int], settings: Settings = Settings()) throws -> Result {
        let k = model.concepts.count, classes = model.classes.count
        guard model.classConceptMeans.count == classes else {
            throw ReticleError(.usage, "the model records no per-class concept means from training; retrain it with this version")
        }
        guard shots.count == labels.count, !shots.isEmpty else { throw ReticleError(.usage, "no labelled site images") }
        let present = Set(labels)
        guard present.count >= 2 else { throw ReticleError(.usage, "the site images cover \(present.count) class; adaptation needs two or more") }
        let ys = present.sorted()
        var site = [[Double]](repeating: [Double](repeating: 0, count: k), count: classes)
        for y in ys {
            let rows = zip(shots, labels).filter { $0.1 == y }.map(\.0)
            site[y] = (0..<k).map { j in rows.reduce(0) { $0 + $1[j] } / Double(rows.count) }
        }
        var candidates: [(edit: Edit, siteCenter: Double, trainCenter: Double)] = []
        var ratios = [Double?](repeating: nil, count: k)
        for j in 0..<k {
            let t = ys.map { model.classConceptMeans[$0][j] }, s = ys.map { site[$0][j] }
            let tc = t.reduce(0, +) / Double(t.count), sc = s.reduce(0, +) / Double(s.count)
            let vt = t.reduce(0) { $0 + ($1 - tc) * ($1 - tc) }
            guard (vt / Double(t.count)).squareRoot() >= settings.minimumSpread else { continue }
            let r = zip(t, s).reduce(0) { $0 + ($1.0 - tc) * ($1.1 - sc) } / vt
            ratios[j] = r
            let mean = model.classConceptMeans.reduce(0) { $0 + $1[j] } / Double(classes)
            if r < settings.maskBelow {
                candidates.append((Edit(concept: j, kind: .mask, signalRatio: r, scale: 0), mean, mean))
            } else if r < settings.amplifyBelow {
                candidates.append((Edit(concept: j, kind: .amplify, signalRatio: r, scale: Swift.min(1 / r, settings.maximumFactor)), sc, tc))
            }
        }
        candidates.sort { $0.edit.signalRatio < $1.edit.signalRatio }
        func nll(_ a: ConceptAdjustment) -> Double {
            let p = model.classProbabilities(concepts: shots.map(a.apply))
            return -zip(p, labels).reduce(0) { $0 + Foundation.log(Swift.max($1.0[$1.1], 1e-12)) } / Double(labels.count)
        }
        var adjustment = model.adjustment
        let before = nll(adjustment)
        var current = before
        var kept: [Edit] = []
        for c in candidates {
            var trial = adjustment
            if c.edit.kind == .mask {
                trial.mask(c.edit.concept, at: c.trainCenter)
            } else {
                trial.amplify(c.edit.concept, factor: c.edit.scale, siteCenter: c.siteCenter, trainCenter: c.trainCenter)
            }
            let value = nll(trial)
            if value < current - 1e-6 { adjustment = trial; current = value; kept.append(c.edit) }
        }
        return Result(adjustment: adjustment, edits: kept, signalRatios: ratios, shotNLLBefore: before, shotNLLAfter: current)
    }
}
