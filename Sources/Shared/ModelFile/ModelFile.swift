// Saving and loading a Network as one safetensors file: weights under their
// PyTorch names, the manifest under __metadata__["reticle.manifest"]. Weights
// from PyTorch with the same architecture load by name.

import Foundation

public enum ModelFile {
    /// The `__metadata__` key holding the manifest JSON.
    public static let manifestKey = "reticle.manifest"

    /// Writes weights and buffers plus the manifest (with the network's graph), atomically.
    public static func save(_ network: Network, manifest: ModelManifest, to url: URL) throws {
        precondition(manifest.spec == network.spec, "manifest spec differs from the network's")
        var manifest = manifest
        manifest.formatVersion = ModelManifest.currentFormatVersion
        manifest.graph = network.graph
        let tensors = network.namedParameters.map { (name: $0.name, tensor: $0.parameter.value) }
        // "format": "pt" lets safetensors.torch.load_file read it as a PyTorch state dict.
        try SafeTensorsFile.write(tensors, metadata: ["format": "pt", manifestKey: manifest.json.serialized()], to: url)
    }

    /// Reads the manifest, builds the network (from its graph, or for format 1 from the registered architecture)
    /// and loads every parameter.
    public static func load(from url: URL) throws -> (network: Network, manifest: ModelManifest) {
        let file = try SafeTensorsFile.read(contentsOf: url)
        guard let text = file.metadata[manifestKey] else {
            throw ReticleError(.unsupported, file: url.path, "safetensors file has no Reticle manifest (\(manifestKey)); import it with a spec instead")
        }
        let manifest = try ModelManifest(json: text, file: url.path)
        do {
            // A quantised file (`reticle model quantize`) holds int8 codes: its network is built by QuantizedModel.
            if manifest.provenance[QuantizedModel.sectionKey] != nil { return (try QuantizedModel.network(from: file, manifest: manifest), manifest) }
            let network = try manifest.graph.map { try Network(graph: $0, spec: manifest.spec, drawingWeights: false) }
                ?? Network(spec: manifest.spec, drawingWeights: false)
            try loadWeights(into: network, from: file)
            return (network, manifest)
        } catch let e as ReticleError { throw e.naming(url.path) }
    }

    /// Imports weights saved from PyTorch (`safetensors.torch.save_file(model.state_dict(), ...)`) for an architecture
    /// given by `spec`, since such a file carries no Reticle manifest. torchvision names load directly.
    public static func importWeights(from url: URL, spec: ModelSpec) throws -> Network {
        let network = try Network(spec: spec, drawingWeights: false)
        do { try loadWeights(into: network, from: SafeTensorsFile.read(contentsOf: url)) } catch let e as ReticleError { throw e.naming(url.path) }
        return network
    }

    /// Copies tensors into `network`'s parameters by name (PyTorch state-dict names).
    /// Every parameter must be present with its exact shape; extra tensors are ignored only when they are
    /// PyTorch's `num_batches_tracked` counters, or when `allowUnexpected` is set.
    public static func loadWeights(into network: any Layer, from file: SafeTensorsFile, allowUnexpected: Bool = false) throws {
        let params = network.namedParameters
        var loaded = Set<String>()
        for (name, p) in params {
            guard let e = file.entry(name) else { throw ReticleError(.corrupt, "weights lack \"\(name)\" \(p.shape)") }
            guard e.shape == p.shape else { throw ReticleError(.corrupt, "\"\(name)\" has shape \(e.shape), the architecture needs \(p.shape)") }
            p.value = try file.tensor(name)
            loaded.insert(name)
        }
        if !allowUnexpected {
            let extra = file.names.filter { !loaded.contains($0) && !$0.hasSuffix("num_batches_tracked") }
            if !extra.isEmpty {
                throw ReticleError(.corrupt, "weights hold \(extra.count) tensors the architecture does not have, e.g. \"\(extra[0])\"")
            }
        }
    }

    /// What `reticle model inspect` prints: the manifest (or an attention-MIL file's), the parameter count and the tensor list.
    public static func inspect(_ url: URL) throws -> JSONValue {
        let file = try SafeTensorsFile.read(contentsOf: url)
        var o = JSONObject()
        o["file"] = .string(url.path)
        if let text = file.metadata[manifestKey] { o["manifest"] = try ModelManifest(json: text, file: url.path).json }
        if let text = file.metadata[AttentionMILFile.manifestKey] {
            do { o["mil_manifest"] = try JSONValue.parse(text) } catch { throw ReticleError(.corrupt, file: url.path, "the MIL manifest is not JSON: \(error)") }
        }
        o["tensors"] = .int(file.entries.count)
        o["parameters"] = .int(file.entries.filter { !$0.name.hasSuffix("running_mean") && !$0.name.hasSuffix("running_var")
                                                   && !$0.name.hasSuffix("num_batches_tracked") }.reduce(0) { $0 + $1.shape.reduce(1, *) })
        return .object(o)
    }
}
