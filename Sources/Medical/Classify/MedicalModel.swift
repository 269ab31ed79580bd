// A medical image classifier as the commands use it: one network, or an ensemble of networks
// stored in one model file (`reticle model ensemble`), with what the manifest records for
// medical use under provenance "medical" (task, class names, input normalisation, temperature
// per head, how the training data was read). Predictions are calibrated probabilities per head;
// an ensemble's also carry the members' disagreement and the predictive entropy.

import Foundation
import Shared

public final class MedicalModel: @unchecked Sendable {  // weights are only read after loading
    /// The manifest key holding the medical settings.
    public static let provenanceKey = "medical"

    public typealias Aggregation = ModelEnsemble.Aggregation

    /// One head's predictions over N samples.
    public struct HeadPrediction: Sendable {
        /// [N][classes], after temperature scaling.
        public var probabilities: [[Double]]
        /// The call per sample (argmax, or the vote).
        public var calls: [Int]
        /// Fraction of members whose own call differs from the ensemble's (0 for one network).
        public var disagreement: [Double]
        /// Entropy of the probabilities in nats.
        public var entropy: [Double]
    }

    public let manifest: ModelManifest
    public let members: [Network]
    /// Group index per member (nested aggregation); all 0 otherwise.
    public let groups: [Int]
    public let aggregation: Aggregation
    /// One temperature per head (1 = none).
    public var temperatures: [Double]
    public let file: String?
    /// A concept bottleneck model: the class probabilities come from its concepts (members holds its concept network).
    public let bottleneck: ConceptBottleneck?
    /// Concepts set by hand (index → value in 0…1) for every prediction of a concept bottleneck.
    public var intervention: [Int: Double] = [:]

    public var spec: ModelSpec { manifest.spec }
    public var preprocessing: Preprocessing { manifest.preprocessing }
    public var medical: JSONObject { manifest.provenance[Self.provenanceKey]?.objectValue ?? [:] }
    public var isEnsemble: Bool { members.count > 1 }

    public init(manifest: ModelManifest, members: [Network], groups: [Int]? = nil, aggregation: Aggregation = .mean,
                temperatures: [Double]? = nil, file: String? = nil, bottleneck: ConceptBottleneck? = nil) {
        precondition(!members.isEmpty, "a model needs a network")
        self.manifest = manifest; self.members = members
        self.groups = groups ?? [Int](repeating: 0, count: members.count)
        self.aggregation = aggregation
        self.temperatures = temperatures ?? [Double](repeating: 1, count: manifest.spec.heads.count)
        self.file = file
        self.bottleneck = bottleneck
    }

    /// Loads a model file from `med train` (or any single-network model file with a medical or plain manifest),
    /// or an ensemble file from `reticle model ensemble`.
    public static func load(_ path: String) throws -> MedicalModel {
        guard FileManager.default.fileExists(atPath: path) else { throw ReticleError(.io, file: path, "no such model file") }
        let url = URL(fileURLWithPath: path)
        let file = try SafeTensorsFile.read(contentsOf: url)
        guard let text = file.metadata[ModelFile.manifestKey] else {
            throw ReticleError(.unsupported, file: path, "not a Reticle model file (no manifest)")
        }
        let manifest = try ModelManifest(json: text, file: path)
        let temperatures = manifest.provenance[provenanceKey]?["temperature"]?.arrayValue?.compactMap { $0.doubleValue }
        let t = temperatures?.count == manifest.spec.heads.count && temperatures!.allSatisfy({ $0 > 0 && $0.isFinite }) ? temperatures : nil
        if let record = manifest.provenance[ConceptBottleneck.provenanceKey]?.objectValue {
            let b = try ConceptBottleneck.load(record: record, file: file, path: path)
            guard b.classLevelSpec.heads == manifest.spec.heads else { throw ReticleError(.corrupt, file: path, "concept bottleneck: its class head differs from the manifest's") }
            return MedicalModel(manifest: manifest, members: [b.conceptNetwork], temperatures: t, file: path, bottleneck: b)
        }
        if let ensemble = manifest.provenance[ModelEnsemble.provenanceKey]?.objectValue {
            let e = try ModelEnsemble.members(of: ensemble, file: file, path: path, spec: manifest.spec)
            return MedicalModel(manifest: manifest, members: e.networks, groups: e.groups, aggregation: e.aggregation, temperatures: t, file: path)
        }
        let (network, _) = try ModelFile.load(from: url)
        return MedicalModel(manifest: manifest, members: [network], temperatures: t, file: path)
    }

    /// Per head, per sample, per class log-probabilities of one network (before temperature).
    static func logProbabilities(_ network: Network, _ x: Tensor) -> [[[Double]]] {
        let probs = Predictor(network: network, batchSize: 64).probabilities(x)
        return probs.map { p in
            let k = p.shape[1]
            let s = p.scalars
            return (0..<p.shape[0]).map { i in (0..<k).map { Foundation.log(Swift.max(Double(s[i * k + $0]), 1e-12)) } }
        }
    }

    /// Uncalibrated aggregated log-probabilities per head and each member's call. Shapes: [N, C, H, W] → per head [N][K].
    /// `perImage`: a concept bottleneck's concepts set per image (N maps), after `intervention`.
    func aggregate(_ x: Tensor, perImage: [[Int: Double]]? = nil) -> (scores: [[[Double]]], memberCalls: [[[Int]]]) {
        if let bottleneck {
            let p = bottleneck.predict(x, intervene: intervention, perImage: perImage).probabilities
            return ([p.map { $0.map { Foundation.log(Swift.max($0, 1e-12)) } }], [p.map { r in [r.indices.max { r[$0] < r[$1] }!] }])
        }
        let per = members.map { MedicalModel.logProbabilities($0, x) }  // [member][head][sample][class]
        let heads = spec.heads.count, n = x.shape[0]
        var scores: [[[Double]]] = [], calls: [[[Int]]] = []
        for h in 0..<heads {
            let k = spec.heads[h].classes.count
            var head: [[Double]] = [], memberCalls: [[Int]] = []
            for i in 0..<n {
                let rows = per.map { $0[h][i].map { Foundation.exp($0) } }
                memberCalls.append(rows.map { r in r.indices.max { r[$0] < r[$1] }! })
                var mean = [Double](repeating: 0, count: k)
                if aggregation == .nested {
                    let ids = Array(Set(groups)).sorted()
                    for g in ids {
                        let m = rows.indices.filter { groups[$0] == g }
                        for c in 0..<k { mean[c] += m.reduce(0) { $0 + rows[$1][c] } / Double(m.count) / Double(ids.count) }
                    }
                } else {
                    for r in rows { for c in 0..<k { mean[c] += r[c] / Double(rows.count) } }
                }
                head.append(mean.map { Foundation.log(Swift.max($0, 1e-12)) })
            }
            scores.append(head); calls.append(memberCalls)
        }
        return (scores, calls)
    }

    /// Predictions per head. Shapes: [N, C, H, W] (normalised as `preprocessing` says) → one HeadPrediction of N per head.
    /// `perImage` (concept bottlenecks): concepts set per image, e.g. each image's true concepts.
    public func predict(_ x: Tensor, perImage: [[Int: Double]]? = nil) -> [HeadPrediction] {
        let (scores, memberCalls) = aggregate(x, perImage: perImage)
        return scores.indices.map { h in
            let probs = scores[h].map { TemperatureScaling.probabilities($0, temperature: temperatures[h]) }
            var calls: [Int] = [], disagreement: [Double] = [], entropy: [Double] = []
            for (i, p) in probs.enumerated() {
                var call = p.indices.max { p[$0] < p[$1] }!
                if aggregation == .vote {
                    var votes = [Int](repeating: 0, count: p.count)
                    for c in memberCalls[h][i] { votes[c] += 1 }
                    call = p.indices.max { (votes[$0], p[$0]) < (votes[$1], p[$1]) }!
                }
                calls.append(call)
                disagreement.append(Double(memberCalls[h][i].filter { $0 != call }.count) / Double(members.count))
                entropy.append(-p.reduce(0) { $0 + ($1 > 0 ? $1 * Foundation.log($1) : 0) })
            }
            return HeadPrediction(probabilities: probs, calls: calls, disagreement: disagreement, entropy: entropy)
        }
    }

    /// A concept bottleneck's concepts as its class head sees them (adjusted, intervened). Shapes: [N, C, H, W] → [N][concepts].
    public func conceptActivations(_ x: Tensor, perImage: [[Int: Double]]? = nil) -> [[Double]]? {
        bottleneck.map { $0.predict(x, intervene: intervention, perImage: perImage).concepts }
    }

    /// Parses `name=0|1,...` (values in 0…1) against a concept bottleneck's concept names.
    public func parseIntervention(_ text: String) throws -> [Int: Double] {
        guard let bottleneck else { throw ReticleError(.usage, file: file, "--intervene needs a concept bottleneck model (med train --concepts)") }
        var out: [Int: Double] = [:]
        for part in text.split(separator: ",") {
            let kv = part.split(separator: "=", maxSplits: 1).map { $0.trimmingCharacters(in: .whitespaces) }
            guard kv.count == 2, let v = Double(kv[1]), (0...1).contains(v) else {
                throw ReticleError(.usage, "--intervene takes concept=value pairs with values in 0…1, got \"\(part)\"")
            }
            guard let j = bottleneck.conceptIndex(kv[0]) else {
                throw ReticleError(.usage, "--intervene: no concept \"\(kv[0])\"; the model's are \(bottleneck.concepts.joined(separator: ", "))")
            }
            out[j] = v
        }
        return out
    }

    /// Concept indices named by `text` ("all", or names separated by commas) for an intervention with true concepts.
    public func conceptIndices(_ text: String, option: String) throws -> [Int] {
        guard let bottleneck else { throw ReticleError(.usage, file: file, "\(option) needs a concept bottleneck model (med train --concepts)") }
        if text.trimmingCharacters(in: .whitespaces).lowercased() == "all" { return Array(bottleneck.concepts.indices) }
        let indices = try text.split(separator: ",").map { part in
            let name = part.trimmingCharacters(in: .whitespaces)
            guard let j = bottleneck.conceptIndex(name) else {
                throw ReticleError(.usage, "\(option): no concept \"\(name)\"; the model's are \(bottleneck.concepts.joined(separator: ", "))")
            }
            return j
        }
        guard !indices.isEmpty else { throw ReticleError(.usage, "\(option) takes \"all\" or concept names separated by commas") }
        return Array(Set(indices)).sorted()
    }

    /// Fits one temperature per head on labelled samples (a validation split). `labels`: one array of N per head.
    public func fitTemperatures(_ x: Tensor, labels: [[Int]]) throws {
        let scores = aggregate(x).scores
        // A temperature at the end of the search range means the likelihood kept improving: a validation split the
        // model separates perfectly drives T towards 0 (probabilities of 1e-100). That is no evidence of
        // miscalibration, so such a head keeps T = 1.
        temperatures = try scores.indices.map { h in
            let t = try TemperatureScaling.fit(logits: scores[h], truth: labels[h])
            return t < 0.051 || t > 19.6 ? 1 : t
        }
    }
}
