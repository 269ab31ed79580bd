// A scene ready for a patch model: the normalised HSI features and LiDAR layers on one grid,
// each zero-padded by half a patch (zero is the mean after normalisation), and the patches
// around any pixels as the graph's inputs in order (hsi, then lidar).

import Foundation
import Shared

public struct FusionScene: Sendable {
    public let samples: Int
    public let lines: Int
    public let patch: Int
    public let hsiBands: Int
    public let lidarBands: Int
    let hsi: [Float]?
    let lidar: [Float]?

    /// `hsi` and `lidar` are BSQ (bands × lines × samples) on the same grid; either may be nil.
    public init(samples: Int, lines: Int, patch: Int, hsi: [Float]?, hsiBands: Int, lidar: [Float]?, lidarBands: Int) {
        precondition(patch >= 1 && patch % 2 == 1, "patch side must be odd")
        self.samples = samples
        self.lines = lines
        self.patch = patch
        self.hsiBands = hsi == nil ? 0 : hsiBands
        self.lidarBands = lidar == nil ? 0 : lidarBands
        let r = patch / 2
        func pad(_ v: [Float], _ bands: Int) -> [Float] {
            let (pw, ph) = (samples + 2 * r, lines + 2 * r)
            var out = [Float](repeating: 0, count: bands * pw * ph)
            for b in 0..<bands {
                for l in 0..<lines {
                    let src = (b * lines + l) * samples, dst = (b * ph + l + r) * pw + r
                    for s in 0..<samples { out[dst + s] = v[src + s] }
                }
            }
            return out
        }
        self.hsi = hsi.map { pad($0, hsiBands) }
        self.lidar = lidar.map { pad($0, lidarBands) }
    }

    /// One tensor per modality present: [N, bands, patch, patch] around pixels (line × samples + sample).
    public func patches<C: Collection>(_ pixels: C) -> [Tensor] where C.Element == Int {
        var out: [Tensor] = []
        if let hsi { out.append(extract(hsi, bands: hsiBands, pixels)) }
        if let lidar { out.append(extract(lidar, bands: lidarBands, pixels)) }
        return out
    }

    func extract<C: Collection>(_ padded: [Float], bands: Int, _ pixels: C) -> Tensor where C.Element == Int {
        let p = patch, pw = samples + 2 * (p / 2), ph = lines + 2 * (p / 2)
        let n = pixels.count
        return Tensor(shape: [n, bands, p, p], zeroedThen: { dst in
            padded.withUnsafeBufferPointer { src in
                for (i, pixel) in pixels.enumerated() {
                    // The patch centred on (l, s) starts at (l, s) in the padded plane.
                    let (l, s) = (pixel / samples, pixel % samples)
                    for b in 0..<bands {
                        for y in 0..<p {
                            let from = (b * ph + l + y) * pw + s
                            let to = ((i * bands + b) * p + y) * p
                            (dst + to).update(from: src.baseAddress! + from, count: p)
                        }
                    }
                }
            }
        })
    }
}

/// Labelled pixels of a scene as training samples (labels 0-based).
public struct FusionPatchSamples: TrainingSamples {
    public let scene: FusionScene
    public let pixels: [Int]
    public let labels: [Int]

    public init(scene: FusionScene, pixels: [Int], labels: [Int]) {
        precondition(pixels.count == labels.count)
        self.scene = scene
        self.pixels = pixels
        self.labels = labels
    }

    public var count: Int { pixels.count }

    public func sample(_ index: Int) throws -> TrainingSample {
        let x = scene.patches([pixels[index]]).map { $0.reshaped(Array($0.shape.dropFirst())) }
        return TrainingSample(inputs: x, labels: [labels[index]])
    }
}
