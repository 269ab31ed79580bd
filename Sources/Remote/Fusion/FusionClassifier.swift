// Runs a land-cover model over pixels of a scene. Patch models go in bounded batches: patches for
// `batch` pixels at a time are cut, classified and dropped, so memory holds the scene's features
// and one batch, whatever the scene's size; progress advances per block of lines. A patch-free
// model classifies the whole scene in one forward pass.

import Foundation
import Shared

public struct FusionClassifier {
    public let predictor: Predictor
    public let info: FusionModelInfo
    /// Pixels classified per forward pass.
    public var batch: Int

    public init(network: Network, info: FusionModelInfo, batch: Int = 256) {
        predictor = Predictor(network: network, batchSize: batch)
        self.info = info
        self.batch = batch
    }

    /// Class probabilities of `pixels`: pixels × classes, row-major.
    public func probabilities(_ scene: FusionScene, pixels: [Int]) -> [Float] {
        if info.modelFamily == .patchFree {
            let (all, width) = wholeScene(scene)
            let k = info.classes.count
            var out = [Float](repeating: 0, count: pixels.count * k)
            for (i, pixel) in pixels.enumerated() {
                let row = (pixel / scene.samples) * width + pixel % scene.samples
                for c in 0..<k { out[i * k + c] = all[row * k + c] }
            }
            return out
        }
        var out: [Float] = []
        out.reserveCapacity(pixels.count * info.classes.count)
        for start in stride(from: 0, to: pixels.count, by: batch) {
            let chunk = pixels[start..<min(start + batch, pixels.count)]
            out += predictor.probabilities(scene.patches(chunk))[0].scalars
        }
        return out
    }

    /// A patch-free model's probabilities for every pixel of the padded grid (rows line·width + sample).
    func wholeScene(_ scene: FusionScene) -> (probabilities: [Float], width: Int) {
        let (inputs, width) = PatchFreeArchitecture.inputs(scene)
        return (predictor.probabilities(inputs)[0].scalars, width)
    }

    /// 0-based argmax class of each pixel.
    public func predict(_ scene: FusionScene, pixels: [Int]) -> [Int] {
        let k = info.classes.count
        let p = probabilities(scene, pixels: pixels)
        return (0..<pixels.count).map { i in
            var best = 0
            for c in 1..<k where p[i * k + c] > p[i * k + best] { best = c }
            return best
        }
    }

    /// The whole scene: 1-based class per pixel (lines × samples) and, when asked, the
    /// probabilities as classes × lines × samples. `tileLines` lines are classified per step.
    public func classifyScene(_ scene: FusionScene, tileLines: Int = 16, keepProbabilities: Bool,
                              progress: ProgressReporter?) -> (classes: [Int], probabilities: [Float]?) {
        let plane = scene.samples * scene.lines
        let k = info.classes.count
        var map = [Int](repeating: 0, count: plane)
        var probs: [Float]? = keepProbabilities ? [Float](repeating: 0, count: plane * k) : nil
        if info.modelFamily == .patchFree {
            let p = probabilities(scene, pixels: Array(0..<plane))
            for pixel in 0..<plane {
                var best = 0
                for c in 1..<max(k, 1) where p[pixel * k + c] > p[pixel * k + best] { best = c }
                map[pixel] = best + 1
                if probs != nil { for c in 0..<k { probs![c * plane + pixel] = p[pixel * k + c] } }
            }
            progress?.advance()
            progress?.finish()
            return (map, probs)
        }
        for top in stride(from: 0, to: scene.lines, by: tileLines) {
            let pixels = Array((top * scene.samples)..<(min(top + tileLines, scene.lines) * scene.samples))
            let p = probabilities(scene, pixels: pixels)
            for (i, pixel) in pixels.enumerated() {
                var best = 0
                for c in 1..<max(k, 1) where p[i * k + c] > p[i * k + best] { best = c }
                map[pixel] = best + 1
                if probs != nil { for c in 0..<k { probs![c * plane + pixel] = p[i * k + c] } }
            }
            progress?.advance()
        }
        progress?.finish()
        return (map, probs)
    }
}
