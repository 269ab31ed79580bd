// Tile features of slides, extracted once and kept: one safetensors file per (slide, tile
// model, tiling settings) in a cache folder, named by the SHA-256 of the slide's fingerprint
// (FileFingerprint: its SHA-256, sampled for very large files), the tile model's and the
// settings. A rerun of `med train-slides` reads them instead of running the tile model; a
// damaged entry is extracted again, never trusted.

import Foundation
import Shared

public struct SlideFeatureCache: Sendable {
    public let folder: URL
    /// `sha256:<hex>` of the tile model file.
    public let tileModelHash: String
    /// Everything else the features depend on (tile size, µm/px, tissue settings).
    public let settings: JSONObject

    static let metadataKey = "reticle.slide-features"

    public init(folder: URL, tileModelHash: String, settings: JSONObject) {
        self.folder = folder; self.tileModelHash = tileModelHash; self.settings = settings
    }

    /// The cache file of the slide at `path` (whose contents are fingerprinted, so a moved slide still hits).
    public func entry(for path: String) throws -> URL {
        let key: JSONValue = ["slide": .string(try FileFingerprint.of(path: path)), "tile_model": .string(tileModelHash), "settings": .object(settings)]
        return folder.appendingPathComponent(FileFingerprint.sha256(key.serialized()) + ".safetensors")
    }

    /// The stored features, or nil when absent or unreadable.
    public func load(_ entry: URL) -> SlideClassifier.TileFeatures? {
        guard FileManager.default.fileExists(atPath: entry.path),
              let file = try? SafeTensorsFile.read(contentsOf: entry),
              let text = file.metadata[Self.metadataKey], let meta = try? JSONValue.parse(text),
              let count = meta["tiles"]?.intValue, let skipped = meta["skipped"]?.intValue,
              let area = meta["tissue_area_mm2"]?.doubleValue else { return nil }
        guard count > 0 else { return .init(tiles: [], features: Tensor(shape: [0, 0]), skipped: skipped, tissueAreaMm2: area) }
        guard let f = try? file.tensor("features"), let t = try? file.tensor("tiles"),
              f.rank == 2, f.shape[0] == count, t.shape == [count, 8] else { return nil }
        let v = t.scalars
        // A damaged entry is extracted again, never trusted: every coordinate a whole number in
        // 0..<2^24 (as stored), every feature finite.
        for i in 0..<count {
            for k in 0..<7 where !(v[8 * i + k] >= 0 && v[8 * i + k] < 16_777_216 && v[8 * i + k].rounded() == v[8 * i + k]) { return nil }
            guard v[8 * i + 7].isFinite else { return nil }
        }
        guard f.scalars.allSatisfy(\.isFinite) else { return nil }
        let tiles = (0..<count).map { i in
            SlideTile(index: Int(v[8 * i]), row: Int(v[8 * i + 1]), column: Int(v[8 * i + 2]), x: Int(v[8 * i + 3]), y: Int(v[8 * i + 4]),
                      width: Int(v[8 * i + 5]), height: Int(v[8 * i + 6]), tissueFraction: Double(v[8 * i + 7]))
        }
        return .init(tiles: tiles, features: f, skipped: skipped, tissueAreaMm2: area)
    }

    /// Stores `features` of the slide at `path` under `entry` (atomically).
    public func store(_ features: SlideClassifier.TileFeatures, slide path: String, at entry: URL) throws {
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let n = features.tiles.count
        var meta = JSONObject()
        meta["slide"] = .string(path)
        meta["tile_model"] = .string(tileModelHash)
        meta["settings"] = .object(settings)
        meta["tiles"] = .int(n)
        meta["skipped"] = .int(features.skipped)
        meta["tissue_area_mm2"] = .number(features.tissueAreaMm2)
        // Level-0 coordinates stay below 2^24, so Float32 holds them exactly.
        let rect = features.tiles.flatMap { t in [t.index, t.row, t.column, t.x, t.y, t.width, t.height].map(Float.init) + [Float(t.tissueFraction)] }
        let tensors = n == 0 ? [] : [(name: "features", tensor: features.features), (name: "tiles", tensor: Tensor(shape: [n, 8], scalars: rect))]
        try SafeTensorsFile.write(tensors, metadata: [Self.metadataKey: JSONValue.object(meta).serialized()], to: entry)
    }
}
