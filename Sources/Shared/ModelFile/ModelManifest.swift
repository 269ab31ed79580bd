// The model manifest stored in a safetensors file's __metadata__: format
// version, architecture spec (with class names and head kinds), input
// preprocessing (size, channels, normalisation, physical scale) and training
// provenance. Serialised as ordered JSON so `reticle model inspect` reads well.

import Foundation

/// How an image must be prepared before the network sees it.
public struct Preprocessing: Codable, Equatable, Sendable {
    public var height: Int
    public var width: Int
    public var channels: Int
    /// Per-channel normalisation: (x − mean) / std, on values scaled to [0, 1].
    public var mean: [Float]
    public var std: [Float]
    /// The physical scale the model was trained at (µm/px for micrographs and slides, m/px for remote sensing); inputs are resampled to it.
    public var scale: Double?
    public var scaleUnit: String?

    public init(height: Int, width: Int, channels: Int, mean: [Float]? = nil, std: [Float]? = nil,
                scale: Double? = nil, scaleUnit: String? = nil) {
        self.height = height; self.width = width; self.channels = channels
        self.mean = mean ?? [Float](repeating: 0, count: channels)
        self.std = std ?? [Float](repeating: 1, count: channels)
        self.scale = scale; self.scaleUnit = scaleUnit
    }
}

extension Preprocessing {
    /// True when `scale` is in µm/px (unit "um/px", "µm/px", "um", "µm" or none given), so
    /// `ScaleLimits.micronsPerPixel` applies to it.
    public var isMicronScale: Bool {
        guard let unit = scaleUnit?.lowercased() else { return true }
        return ["um/px", "µm/px", "μm/px", "um", "µm", "μm", "micron", "microns"].contains(unit)
    }
}

public struct ModelManifest: Equatable, Sendable {
    /// Bumped when the manifest's meaning changes; readers refuse newer versions.
    /// 1: the spec only (the network rebuilt from its registered architecture). 2: the graph too.
    public static let currentFormatVersion = 2

    public var formatVersion: Int
    public var spec: ModelSpec
    /// The network itself (format 2); `ModelFile.save` fills it from the network. Nil in format 1 files.
    public var graph: ModelGraph?
    public var preprocessing: Preprocessing
    /// Free-form training record: data hash, protocol, epochs, metrics, seed.
    public var provenance: JSONObject

    public init(spec: ModelSpec, preprocessing: Preprocessing, provenance: JSONObject = [:]) {
        precondition(preprocessing.channels == spec.inputChannels, "preprocessing channels ≠ spec input channels")
        formatVersion = Self.currentFormatVersion
        self.spec = spec; self.preprocessing = preprocessing; self.provenance = provenance
    }

    /// Ordered JSON: version first, then what a reader looks for (heads and classes), then details.
    public var json: JSONValue {
        var o = JSONObject()
        o["format_version"] = .int(formatVersion)
        o["architecture"] = .string(spec.architecture.rawValue)
        o["heads"] = .array(spec.heads.map { h in
            ["name": .string(h.name), "kind": .string(h.kind.rawValue), "classes": .array(h.classes.map { .string($0) })]
        })
        o["spec"] = (try? JSONValue(encoding: spec)) ?? .null
        if let graph { o["graph"] = (try? JSONValue(encoding: graph)) ?? .null }
        o["preprocessing"] = (try? JSONValue(encoding: preprocessing)) ?? .null
        o["provenance"] = .object(provenance)
        return .object(o)
    }

    /// Parses the JSON written by `json`; `file` names the source in errors.
    public init(json text: String, file: String? = nil) throws {
        func corrupt(_ reason: String) -> ReticleError { ReticleError(.corrupt, file: file, "model manifest: \(reason)") }
        let value: JSONValue
        do { value = try JSONValue.parse(text) } catch { throw corrupt("not valid JSON (\(error))") }
        guard let version = value["format_version"]?.intValue else { throw corrupt("no format_version") }
        guard version <= Self.currentFormatVersion else {
            throw ReticleError(.unsupported, file: file, "model manifest format \(version) is newer than this Reticle reads (\(Self.currentFormatVersion))")
        }
        func decode<T: Decodable>(_ key: String, as type: T.Type) throws -> T {
            guard let node = value[key] else { throw corrupt("no \(key)") }
            do { return try JSONDecoder().decode(T.self, from: Data(node.serialized().utf8)) } catch {
                throw corrupt("invalid \(key) (\(error))")
            }
        }
        formatVersion = version
        spec = try decode("spec", as: ModelSpec.self)
        do { try spec.validate() } catch let e as ReticleError { throw ReticleError(e.kind, file: file, e.reason) }
        if value["graph"] != nil {
            graph = try decode("graph", as: ModelGraph.self)
            do { try graph!.validate() } catch let e as ReticleError { throw ReticleError(e.kind, file: file, e.reason) }
        }
        preprocessing = try decode("preprocessing", as: Preprocessing.self)
        if let scale = preprocessing.scale {
            // Inputs are resampled to this figure: a wrong one would ask for an image of any size.
            do {
                if preprocessing.isMicronScale {
                    try ScaleLimits.check(umPerPixel: scale, "preprocessing.scale")
                } else if !(scale.isFinite && scale > 0) {
                    throw ReticleError(.calibration, "preprocessing.scale must be a positive number, got \(scale)")
                }
            } catch let e as ReticleError { throw ReticleError(e.kind, file: file, "model manifest: \(e.reason)") }
        }
        provenance = value["provenance"]?.objectValue ?? [:]
    }
}
