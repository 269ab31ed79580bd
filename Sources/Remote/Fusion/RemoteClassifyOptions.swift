// The options of `reticle remote classify`: the scene's rasters, the model, an optional reference
// raster, and what to write besides the map. The output folder is a flag of the command.

import Foundation
import Shared

public struct RemoteClassifyOptions: CommandOptions {
    public static let command = "remote classify"
    public var hsi: String?
    public var lidar: String?
    /// Model file from `reticle remote train`.
    public var model = ""
    /// Reference (test) label raster: metrics.json and the report's accuracy tables.
    public var reference: String?
    /// The arrays to read from MAT-file inputs (see RemoteTrainOptions).
    public var hsiVariable: String?
    public var lidarVariable: String?
    public var referenceVariable: String?
    /// Label value of the reference that marks unlabelled pixels besides 0.
    public var unlabelled = 0
    /// Also write probabilities.tif (one float32 band per class).
    public var probabilities = false
    /// Lines classified per step (progress granularity).
    public var tileLines = 16
    /// Pixels per forward pass: bounds the memory of patches.
    public var batchSize = 256

    public init() {}

    public var modelFile: String? { model.isEmpty ? nil : model }

    public var referencedFiles: [String: String] {
        var f: [String: String] = [:]
        if let hsi { f["hsi"] = hsi }
        if let lidar { f["lidar"] = lidar }
        if let reference { f["reference"] = reference }
        return f
    }

    public func validate() throws {
        guard !model.isEmpty else { throw ReticleError(.usage, "--model is required") }
        guard hsi != nil || lidar != nil else { throw ReticleError(.usage, "give --hsi, --lidar or both") }
        guard tileLines >= 1 else { throw ReticleError(.usage, "--tile-lines must be at least 1") }
        guard (1...65536).contains(batchSize) else { throw ReticleError(.usage, "--batch-size must be 1…65536") }
    }
}
