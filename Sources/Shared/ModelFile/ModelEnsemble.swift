// Several trained networks in one model file: each member's weights under "members.<i>." and its
// whole manifest (graph included) in the ensemble's manifest under provenance "ensemble", with
// how their predictions combine (mean probability, majority vote, or nested two-level groups).
// Members must agree on heads, classes and input preprocessing, so one prepared input serves all.

import Foundation

public enum ModelEnsemble {
    /// The manifest provenance key holding the members and the aggregation.
    public static let provenanceKey = "ensemble"

    public enum Aggregation: String, Codable, CaseIterable, Sendable {
        /// Mean of the members' probabilities.
        case mean
        /// The class most members call; ties go to the class with the higher mean probability.
        case vote
        /// Mean within each group of members, then the mean over groups (each group counts once).
        case nested
    }

    public struct Members {
        public var networks: [Network]
        public var groups: [Int]
        public var aggregation: Aggregation
    }

    /// Writes the ensemble of the model files `paths` to `url`. `groups` gives each member's group (nested aggregation).
    /// The ensemble's provenance keeps the first member's other entries (task, classes), minus `dropKeys`.
    /// - Throws: `ReticleError(.usage)` when members differ in heads or preprocessing, or fewer than two are given.
    @discardableResult
    public static func write(members paths: [String], groups: [Int]?, aggregation: Aggregation, to url: URL,
                             extraProvenance: JSONObject = [:]) throws -> ModelManifest {
        guard paths.count >= 2 else { throw ReticleError(.usage, "an ensemble needs at least two model files, got \(paths.count)") }
        if let groups { guard groups.count == paths.count, groups.allSatisfy({ $0 >= 0 }) else {
            throw ReticleError(.usage, "one group number ≥ 0 per member: \(groups.count) given for \(paths.count) models") } }
        guard aggregation != .nested || Set(groups ?? []).count >= 2 else {
            throw ReticleError(.usage, "nested aggregation needs members in at least two groups (--groups)")
        }
        var loaded: [(Network, ModelManifest)] = []
        for p in paths {
            guard FileManager.default.fileExists(atPath: p) else { throw ReticleError(.io, file: p, "no such model file") }
            let (network, manifest) = try ModelFile.load(from: URL(fileURLWithPath: p))
            guard manifest.provenance[provenanceKey] == nil else { throw ReticleError(.usage, file: p, "is itself an ensemble; give its members") }
            if let first = loaded.first?.1 {
                guard manifest.spec.heads == first.spec.heads else {
                    throw ReticleError(.usage, file: p, "its heads and classes differ from \(paths[0])'s")
                }
                guard manifest.preprocessing == first.preprocessing else {
                    throw ReticleError(.usage, file: p, "its input preprocessing (size, channels, normalisation) differs from \(paths[0])'s")
                }
            }
            loaded.append((network, manifest))
        }
        var tensors: [(name: String, tensor: Tensor)] = []
        var members: [JSONValue] = []
        for (i, (network, manifest)) in loaded.enumerated() {
            tensors += network.namedParameters.map { ("members.\(i).\($0.name)", $0.parameter.value) }
            var m = manifest
            m.graph = network.graph
            members.append(.object(["file": .string((paths[i] as NSString).lastPathComponent),
                                    "sha256": .string(FileFingerprint.sha256(FileManager.default.contents(atPath: paths[i]) ?? Data())),
                                    "manifest": m.json]))
        }
        var provenance = loaded[0].1.provenance
        for (k, v) in extraProvenance { provenance[k] = v }
        provenance[provenanceKey] = .object(["aggregation": .string(aggregation.rawValue),
                                             "groups": .array((groups ?? [Int](repeating: 0, count: paths.count)).map { .int($0) }),
                                             "members": .array(members)])
        var manifest = ModelManifest(spec: loaded[0].1.spec, preprocessing: loaded[0].1.preprocessing, provenance: provenance)
        manifest.graph = nil
        try SafeTensorsFile.write(tensors, metadata: ["format": "pt", ModelFile.manifestKey: manifest.json.serialized()], to: url)
        return manifest
    }

    /// The member networks of an ensemble file whose manifest provenance holds `ensemble`.
    public static func members(of ensemble: JSONObject, file: SafeTensorsFile, path: String, spec: ModelSpec) throws -> Members {
        func corrupt(_ r: String) -> ReticleError { ReticleError(.corrupt, file: path, "ensemble: \(r)") }
        guard let list = ensemble["members"]?.arrayValue, list.count >= 2 else { throw corrupt("fewer than two members") }
        guard let aggregation = ensemble["aggregation"]?.stringValue.flatMap(Aggregation.init(rawValue:)) else { throw corrupt("no known aggregation") }
        let groups = ensemble["groups"]?.arrayValue?.compactMap(\.intValue) ?? []
        guard groups.count == list.count, groups.allSatisfy({ $0 >= 0 }) else { throw corrupt("one group per member is needed") }
        var networks: [Network] = []
        for (i, member) in list.enumerated() {
            guard let json = member["manifest"] else { throw corrupt("member \(i) has no manifest") }
            let manifest = try ModelManifest(json: json.serialized(), file: path)
            guard manifest.spec.heads == spec.heads, let graph = manifest.graph else { throw corrupt("member \(i) has other heads or no graph") }
            let network = try Network(graph: graph, spec: manifest.spec, drawingWeights: false)
            for (name, p) in network.namedParameters {
                let key = "members.\(i).\(name)"
                guard let e = file.entry(key) else { throw corrupt("weights lack \"\(key)\"") }
                guard e.shape == p.shape else { throw corrupt("\"\(key)\" has shape \(e.shape), the member needs \(p.shape)") }
                p.value = try file.tensor(key)
            }
            networks.append(network)
        }
        return Members(networks: networks, groups: groups, aggregation: aggregation)
    }
}
