// An attention-MIL model as one safetensors file: the weights under CLAM-style names and, under
// __metadata__["reticle.mil"], the network's shape plus the caller's provenance (for slides:
// which tile model made the features and how the slides were tiled).

import Foundation

public enum AttentionMILFile {
    public static let manifestKey = "reticle.mil"
    public static let formatVersion = 1

    /// Writes `mil` with `provenance` (any JSON object), atomically.
    public static func save(_ mil: AttentionMIL, provenance: JSONObject, to url: URL) throws {
        var manifest = JSONObject()
        manifest["format_version"] = .int(formatVersion)
        manifest["kind"] = "gated-attention-mil"
        manifest["config"] = try JSONValue(encoding: mil.config)
        manifest["provenance"] = .object(provenance)
        let tensors = mil.namedParameters.map { (name: $0.name, tensor: $0.parameter.value) }
        try SafeTensorsFile.write(tensors, metadata: ["format": "pt", manifestKey: JSONValue.object(manifest).serialized()], to: url)
    }

    /// Reads a file written by `save`: the network with its weights, and the provenance.
    public static func load(_ url: URL) throws -> (mil: AttentionMIL, provenance: JSONObject) {
        guard FileManager.default.fileExists(atPath: url.path) else { throw ReticleError(.io, file: url.path, "no such MIL model file") }
        let file = try SafeTensorsFile.read(contentsOf: url)
        guard let text = file.metadata[manifestKey] else {
            throw ReticleError(.unsupported, file: url.path, "not an attention-MIL model (no \(manifestKey) in its metadata; is it a tile model?)")
        }
        do {
            let manifest = try JSONValue.parse(text)
            guard manifest["kind"] == "gated-attention-mil", let version = manifest["format_version"]?.intValue else {
                throw ReticleError(.corrupt, "the MIL manifest has no kind gated-attention-mil and format_version")
            }
            guard version <= formatVersion else {
                throw ReticleError(.unsupported, "MIL format \(version) is newer than this reticle reads (\(formatVersion))")
            }
            guard let configJSON = manifest["config"] else { throw ReticleError(.corrupt, "the MIL manifest has no config") }
            let config = try JSONDecoder().decode(AttentionMIL.Config.self, from: Data(configJSON.serialized().utf8))
            try config.validate()
            // The weights must be in the file before the network is built: a manifest alone could
            // otherwise ask for two 65,536 × 65,536 layers.
            let stored = file.names.reduce(0) { $0 + (file.entry($1)?.shape.reduce(1, *) ?? 0) }
            guard stored >= 2 * config.features * config.hidden else {
                throw ReticleError(.corrupt, "the manifest asks for \(config.features) features × hidden \(config.hidden), but the file holds \(stored) weights")
            }
            let mil = AttentionMIL(config: config)
            var loaded = Set<String>()
            for (name, p) in mil.namedParameters {
                guard let e = file.entry(name) else { throw ReticleError(.corrupt, "weights lack \"\(name)\" \(p.shape)") }
                guard e.shape == p.shape else { throw ReticleError(.corrupt, "\"\(name)\" has shape \(e.shape), the network needs \(p.shape)") }
                let t = try file.tensor(name)
                guard t.scalars.allSatisfy(\.isFinite) else { throw ReticleError(.corrupt, "\"\(name)\" holds a non-finite value") }
                p.value = t
                loaded.insert(name)
            }
            if let extra = file.names.first(where: { !loaded.contains($0) }) {
                throw ReticleError(.corrupt, "weights hold a tensor the network does not have: \"\(extra)\"")
            }
            guard mil.featureStd.value.scalars.allSatisfy({ $0 > 0 }) else { throw ReticleError(.corrupt, "feature_std must be positive") }
            return (mil, manifest["provenance"]?.objectValue ?? [:])
        } catch let e as ReticleError {
            throw e.naming(url.path)
        } catch {
            throw ReticleError(.corrupt, file: url.path, "the MIL manifest is not valid: \(error)")
        }
    }
}
