// A concept bottleneck model (Koh et al., "Concept Bottleneck Models", ICML 2020): an image network
// whose only outputs are concept logits (one binary head per concept, sigmoid, BCE), and a class
// head (linear, or a small MLP) that sees nothing but the concept probabilities. Because the class
// decision passes through named concepts, a person can read them, set them by hand at test time
// (intervention), and a new site's few labelled images can mask or rescale individual concepts
// (`ConceptAdaptation`) without retraining.
//
// One model file holds both networks: the concept network's weights under their own names, the class
// head's under "bottleneck.", and under the manifest's provenance key `concept_bottleneck` the concept
// names, both graphs, the training mode, the per-class training means of the concepts and the
// adjustment in force. The manifest's spec is the class-level one (image channels in, the class head
// out), so a reader that only wants calls needs nothing else.

import Foundation

public final class ConceptBottleneck: @unchecked Sendable {  // weights are only read after training
    public static let provenanceKey = "concept_bottleneck"
    static let classPrefix = "bottleneck."

    /// How the two parts were trained (Koh et al. §3).
    public enum Mode: String, Codable, CaseIterable, Sendable {
        /// Concept network on the concept labels; class head on the true concepts; joined only at test time.
        case independent
        /// Concept network first; then the class head on its predicted concept probabilities.
        case sequential
        /// Both at once on class loss + λ · concept loss.
        case joint
    }

    /// Concept names, in head order.
    public let concepts: [String]
    public let mode: Mode
    /// Image → one binary head per concept.
    public let conceptNetwork: Network
    /// Concept probabilities (vector input "concepts") → one categorical head over the classes.
    public let classNetwork: Network
    /// Mean predicted concept probability per class on the training split: [class][concept].
    public var classConceptMeans: [[Double]]
    /// Applied to the predicted probabilities before the class head (identity unless adapted).
    public var adjustment: ConceptAdjustment

    public var classes: [String] { classNetwork.heads[0].spec.classes }

    public init(concepts: [String], mode: Mode, conceptNetwork: Network, classNetwork: Network,
                classConceptMeans: [[Double]] = [], adjustment: ConceptAdjustment? = nil) {
        precondition(conceptNetwork.heads.count == concepts.count && conceptNetwork.heads.allSatisfy { $0.spec.kind == .binary },
                     "one binary head per concept")
        precondition(classNetwork.inputs.count == 1 && classNetwork.inputs[0].kind == .vector && classNetwork.inputs[0].channels == concepts.count,
                     "the class head reads the concept vector")
        self.concepts = concepts; self.mode = mode
        self.conceptNetwork = conceptNetwork; self.classNetwork = classNetwork
        self.classConceptMeans = classConceptMeans
        self.adjustment = adjustment ?? ConceptAdjustment(count: concepts.count)
    }

    /// The concept network's spec: `base`'s backbone with one binary head per concept (head names made safe for weight names).
    public static func conceptSpec(_ base: ModelSpec, concepts: [String]) -> ModelSpec {
        var spec = base
        spec.heads = concepts.enumerated().map { i, name in
            let safe = String(name.map { $0.isLetter || $0.isNumber || $0 == "_" || $0 == "-" ? $0 : "_" })
            return HeadSpec(name: "c\(i)_\(safe)", kind: .binary, classes: ["absent", "present"])
        }
        return spec
    }

    /// The class head: `hidden` 0 is linear on the concept probabilities, else one hidden ReLU layer of that width.
    public static func classNetwork(concepts: Int, head: HeadSpec, hidden: Int, seed: UInt64) throws -> Network {
        let body: [LayerNode] = hidden > 0 ? [.linear("classifier.0", out: hidden), .plain("classifier.1", "relu")]
                                           : [.plain("classifier.0", "flatten")]
        let graph = ModelGraph(inputs: [GraphInput("concepts", kind: .vector, channels: concepts)], nodes: body,
                               heads: [GraphHead(HeadSpec(name: head.name, kind: .categorical, classes: head.classes),
                                                 input: body.last!.name, parameterName: "head")])
        return try Network(graph: graph, seed: seed)
    }

    // MARK: Prediction

    /// Raw concept probabilities (no adjustment). Shapes: [N, C, H, W] → [N][concepts].
    public func rawConcepts(_ x: Tensor) -> [[Double]] {
        let z = Predictor(network: conceptNetwork, batchSize: 64).logits(x)
        let k = concepts.count, s = z.scalars
        return (0..<z.shape[0]).map { i in (0..<k).map { 1 / (1 + Foundation.exp(-Double(s[i * k + $0]))) } }
    }

    /// Class probabilities from concept values. Shapes: [N][concepts] → [N][classes].
    public func classProbabilities(concepts c: [[Double]]) -> [[Double]] {
        guard !c.isEmpty else { return [] }
        let x = Tensor(shape: [c.count, concepts.count], scalars: c.flatMap { $0.map(Float.init) })
        let p = Predictor(network: classNetwork, batchSize: 256).probabilities([x])[0]
        let k = p.shape[1], s = p.scalars
        return (0..<c.count).map { i in (0..<k).map { Double(s[i * k + $0]) } }
    }

    /// Concepts as the class head sees them (adjusted, then `intervene` sets concepts by index to a value in 0…1 for
    /// every image, then `perImage[i]` those of image i, e.g. its true concepts) and the class probabilities.
    /// Shapes: [N, C, H, W], perImage nil or N maps → ([N][concepts], [N][classes]).
    public func predict(_ x: Tensor, intervene: [Int: Double] = [:], perImage: [[Int: Double]]? = nil)
        -> (concepts: [[Double]], probabilities: [[Double]]) {
        precondition(perImage == nil || perImage!.count == x.shape[0], "one intervention per image")
        let c = rawConcepts(x).enumerated().map { i, row in
            var r = adjustment.apply(row)
            for (j, v) in intervene { r[j] = v }
            for (j, v) in perImage?[i] ?? [:] { r[j] = v }
            return r
        }
        return (c, classProbabilities(concepts: c))
    }

    /// Per concept, the index of `name` (exact, else case-insensitive).
    public func conceptIndex(_ name: String) -> Int? {
        concepts.firstIndex(of: name) ?? concepts.firstIndex { $0.lowercased() == name.lowercased() }
    }

    // MARK: Model file

    /// Writes both networks and the bottleneck's record into one safetensors file; `manifest` carries the rest
    /// (preprocessing, provenance); its spec is replaced by the class-level one.
    public func save(manifest: ModelManifest, to url: URL) throws {
        var m = manifest
        m.spec = classLevelSpec
        m.graph = nil
        m.formatVersion = ModelManifest.currentFormatVersion
        m.provenance[Self.provenanceKey] = .object(json)
        let tensors = conceptNetwork.namedParameters.map { (name: $0.name, tensor: $0.parameter.value) }
            + classNetwork.namedParameters.map { (name: Self.classPrefix + $0.name, tensor: $0.parameter.value) }
        try SafeTensorsFile.write(tensors, metadata: ["format": "pt", ModelFile.manifestKey: m.json.serialized()], to: url)
    }

    /// Image channels in, the class head out.
    public var classLevelSpec: ModelSpec {
        var spec = conceptNetwork.spec
        spec.heads = classNetwork.heads.map(\.spec)
        return spec
    }

    var json: JSONObject {
        var o = JSONObject()
        o["mode"] = .string(mode.rawValue)
        o["concepts"] = .array(concepts.map(JSONValue.string))
        o["concept_spec"] = (try? JSONValue(encoding: conceptNetwork.spec)) ?? .null
        o["concept_graph"] = (try? JSONValue(encoding: conceptNetwork.graph)) ?? .null
        o["class_graph"] = (try? JSONValue(encoding: classNetwork.graph)) ?? .null
        o["class_concept_means"] = .array(classConceptMeans.map { .array($0.map(JSONValue.number)) })
        o["adjustment"] = .object(adjustment.json(concepts: concepts))
        return o
    }

    /// The bottleneck of a model file whose manifest provenance holds `record` (under `provenanceKey`).
    public static func load(record: JSONObject, file: SafeTensorsFile, path: String) throws -> ConceptBottleneck {
        func corrupt(_ r: String) -> ReticleError { ReticleError(.corrupt, file: path, "concept bottleneck: \(r)") }
        guard let mode = record["mode"]?.stringValue.flatMap(Mode.init(rawValue:)) else { throw corrupt("no known mode") }
        guard let names = record["concepts"]?.arrayValue?.compactMap(\.stringValue), !names.isEmpty else { throw corrupt("no concept names") }
        guard let specJSON = record["concept_spec"], let graphJSON = record["concept_graph"], let classJSON = record["class_graph"] else {
            throw corrupt("a network graph is missing")
        }
        func decode<T: Decodable>(_ type: T.Type, _ node: JSONValue) throws -> T {
            do { return try JSONDecoder().decode(T.self, from: Data(node.serialized().utf8)) } catch { throw corrupt("invalid \(T.self) (\(error))") }
        }
        let spec = try decode(ModelSpec.self, specJSON)
        let conceptNetwork = try Network(graph: try decode(ModelGraph.self, graphJSON), spec: spec, drawingWeights: false)
        let classNetwork = try Network(graph: try decode(ModelGraph.self, classJSON), drawingWeights: false)
        guard conceptNetwork.heads.count == names.count, conceptNetwork.heads.allSatisfy({ $0.spec.kind == .binary }) else {
            throw corrupt("\(names.count) concepts but \(conceptNetwork.heads.count) concept heads")
        }
        guard classNetwork.inputs.count == 1, classNetwork.inputs[0].kind == .vector, classNetwork.inputs[0].channels == names.count,
              classNetwork.heads.count == 1 else { throw corrupt("the class head does not read the \(names.count) concepts") }
        for (prefix, network) in [("", conceptNetwork), (classPrefix, classNetwork)] {
            for (name, p) in network.namedParameters {
                guard let e = file.entry(prefix + name) else { throw corrupt("weights lack \"\(prefix + name)\"") }
                guard e.shape == p.shape else { throw corrupt("\"\(prefix + name)\" has shape \(e.shape), the network needs \(p.shape)") }
                p.value = try file.tensor(prefix + name)
            }
        }
        let means = record["class_concept_means"]?.arrayValue?.map { $0.arrayValue?.compactMap(\.doubleValue) ?? [] } ?? []
        guard means.isEmpty || (means.count == classNetwork.heads[0].spec.classes.count && means.allSatisfy { $0.count == names.count }) else {
            throw corrupt("class_concept_means is not classes × concepts")
        }
        let adjustment = try record["adjustment"]?.objectValue.map { try ConceptAdjustment(json: $0, concepts: names, file: path) }
        return ConceptBottleneck(concepts: names, mode: mode, conceptNetwork: conceptNetwork, classNetwork: classNetwork,
                                 classConceptMeans: means, adjustment: adjustment)
    }
}
