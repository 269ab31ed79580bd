// A micrograph brought to a model's physical scale: grey, resampled to the model's µm/px,
// with its scale-bar masks scaled along, cut into patches that avoid those masks. Training
// and grading both go through here, so a model sees the same kind of patch in both.

import Foundation
import Shared

public struct PreparedMicrograph: Sendable {
    /// Grey, Float32 in 0...1, at the model's µm/px.
    public let image: Image
    /// Regions to leave out (scale bar and label), in `image`'s pixels.
    public let excluded: [PixelRect]
    /// Original µm/px ÷ model µm/px: above 1 the image was enlarged, below 1 shrunk.
    public let scaleFactor: Double
    /// Grey-level statistics of the analysed area (masks left out), for the out-of-distribution check.
    public let contrast: ContrastStatistics

    /// Resamples `image` from `umPerPixel` to `modelUmPerPixel` and scales `excluded` to match.
    /// - Throws: `ReticleError(.usage)` when the result is smaller than one patch.
    public init(_ image: Image, umPerPixel: Double, excluded: [PixelRect], modelUmPerPixel: Double, patchSize: Int) throws {
        var gray = image.grayscale()
        gray.calibration = Calibration(umPerPixel: umPerPixel, source: image.calibration?.source ?? .flag)
        let resampled = abs(umPerPixel / modelUmPerPixel - 1) < 1e-6
            ? gray : try Resampler.resample(gray, toMicronsPerPixel: modelUmPerPixel, sampleType: .float32)
        let fx = Double(resampled.width) / Double(image.width), fy = Double(resampled.height) / Double(image.height)
        guard resampled.width >= patchSize, resampled.height >= patchSize else {
            throw ReticleError(.usage, "\(image.width)×\(image.height) px at \(MicrographCalibration.format(umPerPixel)) µm/px is \(resampled.width)×\(resampled.height) px at the model's \(MicrographCalibration.format(modelUmPerPixel)) µm/px, smaller than one \(patchSize) px patch")
        }
        self.image = resampled
        scaleFactor = umPerPixel / modelUmPerPixel
        self.excluded = excluded.map { r in
            PixelRect(x0: Int((Double(r.x) * fx).rounded(.down)), y0: Int((Double(r.y) * fy).rounded(.down)),
                      x1: Int((Double(r.maxX + 1) * fx).rounded(.up)) - 1, y1: Int((Double(r.maxY + 1) * fy).rounded(.up)) - 1)
        }
        contrast = ContrastStatistics(resampled, excluding: self.excluded)
    }

    /// Non-overlapping patch positions covering the image (the last row and column shifted back
    /// inside), leaving out every patch that touches an excluded region.
    public func patchGrid(size: Int, stride: Int? = nil) -> [PixelRect] {
        guard let grid = try? TileGrid(imageWidth: image.width, imageHeight: image.height, tileWidth: size, tileHeight: size,
                                       strideX: stride ?? size, strideY: stride ?? size, edge: .shift) else { return [] }
        return grid.tiles.map { PixelRect(x: $0.x, y: $0.y, width: size, height: size) }.filter { isClear($0) }
    }

    /// The patches grading and the held-out evaluation look at: the grid at half-patch stride
    /// (overlapping, so that structures cut by one patch border are whole in a neighbour).
    public func gradingPatches(size: Int) -> [PixelRect] { patchGrid(size: size, stride: max(1, size / 2)) }

    /// `count` seeded random patch positions that avoid the excluded regions (fewer if the image has no room),
    /// stratified: the k-th patch is drawn within cell k of a grid over the field, so the patches cover the whole
    /// field instead of clustering by chance.
    public func randomPatches(size: Int, count: Int, rng: inout SplitMix64) -> [PixelRect] {
        var out: [PixelRect] = []
        var tries = 0
        let side = max(1, Int(Double(count).squareRoot().rounded(.up)))
        let spanX = image.width - size + 1, spanY = image.height - size + 1
        while out.count < count && tries < count * 20 {
            let cell = tries % (side * side)
            tries += 1
            let cx = cell % side, cy = cell / side
            let x0 = spanX * cx / side, x1 = max(x0 + 1, spanX * (cx + 1) / side)
            let y0 = spanY * cy / side, y1 = max(y0 + 1, spanY * (cy + 1) / side)
            let x = x0 + Int(rng.next() % UInt64(x1 - x0)), y = y0 + Int(rng.next() % UInt64(y1 - y0))
            let r = PixelRect(x: x, y: y, width: size, height: size)
            if isClear(r) { out.append(r) }
        }
        return out
    }

    func isClear(_ r: PixelRect) -> Bool {
        !excluded.contains { e in r.x <= e.maxX && e.x <= r.maxX && r.y <= e.maxY && e.y <= r.maxY }
    }

    /// The patch as the network input: standardised to zero mean and unit deviation, so that a
    /// specimen's etch depth and the illumination do not decide the call (contrast is checked
    /// separately against the training range). Shapes: → [1, size, size].
    public func tensor(_ r: PixelRect) -> Tensor {
        let raw = rawTensor(r)
        return Tensor(shape: raw.shape, scalars: PreparedMicrograph.standardised(raw.scalars))
    }

    /// The patch in raw grey (0…1), not standardised: what training augments. Shapes: → [1, size, size].
    public func rawTensor(_ r: PixelRect) -> Tensor {
        let pixels = image.floatPixels()
        var values = [Float](repeating: 0, count: r.width * r.height)
        for y in 0..<r.height { for x in 0..<r.width { values[y * r.width + x] = pixels[(r.y + y) * image.width + r.x + x] } }
        return Tensor(shape: [1, r.height, r.width], scalars: values)
    }

    /// (v − mean) / max(std, 0.02): the floor keeps a flat patch from blowing noise up.
    static func standardised(_ v: [Float]) -> [Float] {
        let n = Float(max(v.count, 1))
        let mean = v.reduce(0, +) / n
        let variance = v.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / n
        let s = max(variance.squareRoot(), 0.02)
        return v.map { ($0 - mean) / s }
    }
}
