// What a land-cover model file records beyond its graph (manifest provenance "remote"): the
// modalities, patch side, class names, each modality's band preprocessing, the LiDAR layers it
// was rasterised into and the HSI wavelengths, so classification rebuilds the same features.

import Foundation
import Shared

public struct FusionModelInfo: Codable, Equatable, Sendable {
    public var kind: FusionModelKind
    /// Nil in files written before the other families existed: the two-branch CNN.
    public var family: FusionFamily?
    /// Patch side; 1 for a patch-free model.
    public var patch: Int
    public var classes: [String]
    public var hsi: BandPreprocessing?
    public var lidar: BandPreprocessing?
    /// Layers rasterised from a LAS file; nil when the model was trained on a LiDAR raster.
    public var lidarLayers: [LidarLayer]?
    public var wavelengths: [Double]?

    static let key = "remote"

    public var modelFamily: FusionFamily { family ?? .twoBranch }
    /// The `--model-kind` that trains this model again.
    public var modelKind: String { modelFamily.modelKind(kind) }

    public var json: JSONValue { get throws { try JSONValue(encoding: self) } }

    /// From a loaded model's manifest; a model of another kind is a usage error naming the file.
    public static func from(_ manifest: ModelManifest, file: String) throws -> FusionModelInfo {
        guard let v = manifest.provenance[key] else {
            throw ReticleError(.usage, file: file, "not a remote-sensing land-cover model (no \"\(key)\" section in its manifest)")
        }
        do {
            return try JSONDecoder().decode(FusionModelInfo.self, from: Data(v.serialized().utf8))
        } catch {
            throw ReticleError(.corrupt, file: file, "the manifest's \"\(key)\" section is unreadable: \(error)")
        }
    }

    /// The scene as this model sees it: each used modality preprocessed as at training.
    public func scene(_ inputs: FusionInputs) throws -> FusionScene {
        let grid = inputs.grid
        var hsiFeatures: [Float]?, lidarFeatures: [Float]?
        if kind.usesHSI {
            guard let cube = inputs.hsi, let prep = hsi else { throw ReticleError(.usage, "this \(kind.rawValue) model needs --hsi") }
            hsiFeatures = try prep.apply(cube)
        }
        if kind.usesLidar {
            guard let raster = inputs.lidar, let prep = lidar else { throw ReticleError(.usage, "this \(kind.rawValue) model needs --lidar") }
            lidarFeatures = try prep.apply(raster)
        }
        return FusionScene(samples: grid.samples, lines: grid.lines, patch: patch,
                           hsi: hsiFeatures, hsiBands: hsi?.outputBands ?? 0,
                           lidar: lidarFeatures, lidarBands: lidar?.outputBands ?? 0)
    }
}
