// A tile classifier as `med slides` uses it: the network from a model file, and from its
// manifest the tile size, µm/px, class names and the stain normaliser fitted at training
// (under provenance "slide"), so inference prepares tiles exactly as training did.

import Foundation
import Shared

public struct SlideTileModel: @unchecked Sendable {  // weights are only read after loading
    public let network: Network
    public let manifest: ModelManifest
    public let tileSize: Int
    public let umPerPixel: Double
    public let classes: [String]
    public let stain: StainNormalizer

    /// The manifest key holding the slide settings.
    public static let provenanceKey = "slide"

    public init(network: Network, manifest: ModelManifest, file: String? = nil) throws {
        let p = manifest.preprocessing
        guard p.channels == 3, p.width == p.height, p.width >= 8, p.mean.count == 3, p.std.count == 3 else {
            throw ReticleError(.unsupported, file: file, "not a slide tile model: it takes \(p.channels)-channel \(p.width)×\(p.height) inputs, not square RGB tiles")
        }
        guard let scale = p.scale, p.isMicronScale, SlideScale.plausible.contains(scale) else {
            throw ReticleError(.unsupported, file: file, "not a slide tile model: no µm/px in its preprocessing")
        }
        guard manifest.spec.heads.count == 1, manifest.spec.heads[0].kind == .categorical else {
            throw ReticleError(.unsupported, file: file, "not a slide tile model: it needs one categorical head")
        }
        self.network = network
        self.manifest = manifest
        tileSize = p.width
        umPerPixel = scale
        classes = manifest.spec.heads[0].classes
        if let s = manifest.provenance[Self.provenanceKey]?["stain_normalizer"] {
            stain = try StainNormalizer(json: s, file: file)
        } else {
            stain = .identity
        }
    }

    public static func load(_ path: String) throws -> SlideTileModel {
        guard FileManager.default.fileExists(atPath: path) else { throw ReticleError(.io, file: path, "no such model file") }
        let (network, manifest) = try ModelFile.load(from: URL(fileURLWithPath: path))
        return try SlideTileModel(network: network, manifest: manifest, file: path)
    }

    /// Tiles (RGB uint8, `tileSize` square) as the network's input. Shapes: N tiles → [N, 3, tileSize, tileSize].
    public static func tensor(_ tiles: [Image], preprocessing p: Preprocessing) -> Tensor {
        let hw = p.width * p.height
        var out = [Float](repeating: 0, count: tiles.count * 3 * hw)
        for (n, t) in tiles.enumerated() {
            guard case .uint8(let px) = t.storage else { preconditionFailure("tiles are uint8") }
            precondition(t.width == p.width && t.height == p.height && t.channels == 3, "tile size differs from the model's")
            for c in 0..<3 {
                let m = p.mean[c], s = 1 / p.std[c], base = (n * 3 + c) * hw
                for i in 0..<hw { out[base + i] = (Float(px[3 * i + c]) / 255 - m) * s }
            }
        }
        return Tensor(shape: [tiles.count, 3, p.height, p.width], scalars: out)
    }

    public func tensor(_ tiles: [Image]) -> Tensor { Self.tensor(tiles, preprocessing: manifest.preprocessing) }
}
