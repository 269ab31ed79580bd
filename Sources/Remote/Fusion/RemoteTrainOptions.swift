// The options of `reticle remote train`: inputs, the model, the sampling protocol and optimisation.
// Where the model goes is a flag of the command (like `micro train`).

import Foundation
import Shared

public struct RemoteTrainOptions: CommandOptions {
    public static let command = "remote train"
    /// Hyperspectral cube (ENVI, GeoTIFF or MATLAB v5).
    public var hsi: String?
    /// LAS point cloud (rasterised onto the cube's grid) or a LiDAR raster on it.
    public var lidar: String?
    /// Training label raster (GeoTIFF or ENVI; 0 = unlabelled).
    public var labels = ""
    /// Official test raster: evaluated after training (with --split official, all of --labels trains).
    public var test: String?
    /// The arrays to read from MAT-file inputs, as MATLAB names them ("hsi.Data", "hsi.Lidar{1}.z",
    /// "hsi.sceneLabels.labels"); nil takes the largest 3-D array, else the only 2-D one.
    public var hsiVariable: String?
    public var lidarVariable: String?
    public var labelsVariable: String?
    public var testVariable: String?
    /// Label value that marks unlabelled pixels besides 0 (MUUFL Gulfport: -1).
    public var unlabelled = 0
    /// fusion, hsi-only, lidar-only (two-branch CNN); csf, csf-hsi-only, csf-lidar-only (cross-state scans);
    /// freenet, freenet-hsi-only, freenet-lidar-only (patch-free encoder–decoder).
    public var modelKind = FusionModelKind.fusion.rawValue
    /// Patch side in pixels (odd).
    public var patch = 11
    /// Channels of the HSI branch's first convolutions (the LiDAR branch has half).
    public var width = 32
    public var epochs = 30
    public var batchSize = 64
    public var learningRate: Float = 1e-3
    /// State size of the cross-state scans (csf kinds).
    public var state = 8
    /// Training pixels drawn per class at each whole-scene step (freenet kinds).
    public var pixelsPerClass = 32
    /// Sampling protocol: per-class, blocks, official or random-pixels.
    public var split = SamplingProtocol.Kind.blocks.rawValue
    /// Training pixels per class (per-class).
    public var perClass = 50
    /// Block side in pixels (blocks).
    public var blockSize = 16
    /// Training share of blocks (blocks) or pixels (random-pixels).
    public var trainFraction = 0.5
    /// HSI principal components to keep (after bad-band removal); nil keeps the bands.
    public var pca: Int?
    /// 0-based HSI bands to drop, comma-separated ("0,1,2,140").
    public var badBands: String?
    /// LiDAR layers rasterised from a LAS file.
    public var lidarLayers = LidarLayer.standard.map(\.rawValue).joined(separator: ",")
    /// Seed of the split, initialisation and shuffling.
    public var seed: UInt64 = 1

    public init() {}

    public var referencedFiles: [String: String] {
        var f: [String: String] = ["labels": labels]
        if let hsi { f["hsi"] = hsi }
        if let lidar { f["lidar"] = lidar }
        if let test { f["test"] = test }
        return f
    }

    public func kind() throws -> FusionModelKind { try FusionFamily.parse(modelKind: modelKind).1 }
    public func family() throws -> FusionFamily { try FusionFamily.parse(modelKind: modelKind).0 }

    public func sampling() throws -> SamplingProtocol {
        guard let k = SamplingProtocol.Kind(rawValue: split) else {
            throw ReticleError(.usage, "--split must be one of \(SamplingProtocol.Kind.allCases.map(\.rawValue).joined(separator: ", ")), got \"\(split)\"")
        }
        let p = SamplingProtocol(kind: k, perClass: perClass, blockSize: blockSize, trainFraction: trainFraction, seed: seed)
        try p.validate()
        return p
    }

    public func badBandList() throws -> [Int] {
        guard let badBands, !badBands.isEmpty else { return [] }
        let parts = badBands.split(separator: ",")
        var out: [Int] = []
        for part in parts {
            let t = part.trimmingCharacters(in: .whitespaces)
            if let dash = t.firstIndex(of: "-"), let a = Int(t[..<dash]), let b = Int(t[t.index(after: dash)...]), a >= 0, a <= b {
                out += Array(a...b)
            } else if let v = Int(t), v >= 0 {
                out.append(v)
            } else {
                throw ReticleError(.usage, "--bad-bands takes 0-based band numbers or ranges (\"0-3,140\"), got \"\(badBands)\"")
            }
        }
        return out
    }

    public func validate() throws {
        let k = try kind()
        guard !labels.isEmpty else { throw ReticleError(.usage, "--labels is required") }
        if k.usesHSI && hsi == nil { throw ReticleError(.usage, "--model-kind \(modelKind) needs --hsi") }
        if k.usesLidar && lidar == nil { throw ReticleError(.usage, "--model-kind \(modelKind) needs --lidar") }
        guard patch >= 3, patch <= 63, patch % 2 == 1 else { throw ReticleError(.usage, "--patch must be odd, 3…63, got \(patch)") }
        guard (1...512).contains(width) else { throw ReticleError(.usage, "--width must be 1…512, got \(width)") }
        if try family() == .patchFree, width % 4 != 0 {
            throw ReticleError(.usage, "--model-kind \(modelKind) needs a --width divisible by 4 (its GroupNorm has 4 groups), got \(width)")
        }
        guard (1...64).contains(state) else { throw ReticleError(.usage, "--state must be 1…64, got \(state)") }
        guard pixelsPerClass >= 1 else { throw ReticleError(.usage, "--pixels-per-class must be at least 1") }
        guard epochs >= 1 else { throw ReticleError(.usage, "--epochs must be at least 1") }
        guard batchSize >= 1 else { throw ReticleError(.usage, "--batch-size must be at least 1") }
        guard learningRate > 0, learningRate.isFinite else { throw ReticleError(.usage, "--learning-rate must be positive") }
        let s = try sampling()
        if s.kind == .official && test == nil { throw ReticleError(.usage, "--split official needs --test (the official test raster)") }
        if let pca, pca < 1 { throw ReticleError(.usage, "--pca must keep at least 1 component") }
        _ = try badBandList()
        _ = try LidarLayer.list(lidarLayers)
    }
}
