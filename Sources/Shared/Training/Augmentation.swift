// Seeded data augmentation of one image tensor [C, H, W]: random resized crop,
// flips, 90° rotations, brightness / contrast / gamma, Gaussian blur and noise.
// Codable, so a training protocol pins it; the same seed gives the same images.

import Foundation

public struct Augmentation: Codable, Equatable, Sendable {
    /// Crop a random square covering [minimumScale, 1] of the area, resized (bilinear) back to the input size.
    public var cropMinimumScale: Float?
    public var horizontalFlip = false
    public var verticalFlip = false
    /// Random multiples of 90° (square images only; otherwise 0° or 180°).
    public var rotate90 = false
    /// x + U(−b, b).
    public var brightness: Float = 0
    /// mean + (x − mean)·U(1−c, 1+c), per channel.
    public var contrast: Float = 0
    /// sign(x)·|x|^γ with log γ ~ U(−g, g) (for inputs scaled to about [0, 1]).
    public var gamma: Float = 0
    /// Probability of a Gaussian blur with σ ~ U(0.3, blurMaximumSigma).
    public var blurProbability: Float = 0
    public var blurMaximumSigma: Float = 1.5
    /// Additive Gaussian noise with this standard deviation.
    public var noise: Float = 0

    public init() {}

    /// The augmented image. Shapes: [C, H, W] → [C, H, W] (H and W swap only for non-square 90° turns, which are not drawn).
    public func apply(_ image: Tensor, rng: inout SplitMix64) -> Tensor {
        precondition(image.rank == 3, "augmentation needs [C, H, W], got \(image.shape)")
        var x = image
        let (c, h, w) = (image.shape[0], image.shape[1], image.shape[2])
        if let minScale = cropMinimumScale, minScale < 1 {
            let scale = minScale + (1 - minScale) * rng.nextUniform()
            let side = Swift.max(1, Int((Float(Swift.min(h, w)) * scale.squareRoot()).rounded()))
            let y0 = Int(rng.next() % UInt64(h - side + 1)), x0 = Int(rng.next() % UInt64(w - side + 1))
            var crop = Tensor(shape: [1, c, side, side])
            for ch in 0..<c { for yy in 0..<side { for xx in 0..<side { crop[0, ch, yy, xx] = x[ch, y0 + yy, x0 + xx] } } }
            x = Resampling.forward(crop, outH: h, outW: w, mode: .bilinear).reshaped([c, h, w])
        }
        if horizontalFlip && rng.nextUniform() < 0.5 { x = Augmentation.remap(x) { y, xx, _, w in (y, w - 1 - xx) } }
        if verticalFlip && rng.nextUniform() < 0.5 { x = Augmentation.remap(x) { y, xx, h, _ in (h - 1 - y, xx) } }
        if rotate90 {
            let turns = h == w ? Int(rng.next() % 4) : 2 * Int(rng.next() % 2)
            for _ in 0..<turns { x = Augmentation.remap(x) { y, xx, h, _ in (h - 1 - xx, y) } }  // a quarter turn (square only)
        }
        if brightness > 0 { let d = brightness * (2 * rng.nextUniform() - 1); x = x + d }
        if contrast > 0 {
            let f = 1 + contrast * (2 * rng.nextUniform() - 1)
            let means = x.mean(alongAxes: [1, 2], keepingDimensions: true)
            x = (x - means) * Tensor(scalar: f) + means
        }
        if gamma > 0 {
            let g = Foundation.exp(gamma * (2 * rng.nextUniform() - 1))
            x = x.map { $0 >= 0 ? Foundation.pow($0, g) : -Foundation.pow(-$0, g) }
        }
        if blurProbability > 0 && rng.nextUniform() < blurProbability {
            x = Augmentation.gaussianBlur(x, sigma: 0.3 + (blurMaximumSigma - 0.3) * rng.nextUniform())
        }
        if noise > 0 {
            let n = x.count
            x.withUnsafeMutablePointer { p in for i in 0..<n { p[i] += noise * rng.nextNormal() } }
        }
        return x
    }

    /// out[c, y, x] = in[c, source(y, x)] for a permutation of pixels of a square (or shape-preserving) image.
    static func remap(_ t: Tensor, _ source: (Int, Int, Int, Int) -> (Int, Int)) -> Tensor {
        let (c, h, w) = (t.shape[0], t.shape[1], t.shape[2])
        var out = Tensor(shape: t.shape)
        t.withUnsafePointer { s in out.withUnsafeMutablePointer { d in
            for ch in 0..<c { for y in 0..<h { for x in 0..<w {
                let (sy, sx) = source(y, x, h, w)
                d[(ch * h + y) * w + x] = s[(ch * h + sy) * w + sx]
            } } }
        } }
        return out
    }

    /// Separable Gaussian blur with edge clamping. Shapes: [C, H, W] → same.
    static func gaussianBlur(_ t: Tensor, sigma: Float) -> Tensor {
        let radius = Swift.max(1, Int((3 * sigma).rounded(.up)))
        var kernel = (-radius...radius).map { Foundation.exp(-Float($0 * $0) / (2 * sigma * sigma)) }
        let total = kernel.reduce(0, +)
        kernel = kernel.map { $0 / total }
        let (c, h, w) = (t.shape[0], t.shape[1], t.shape[2])
        var tmp = Tensor(shape: t.shape), out = Tensor(shape: t.shape)
        t.withUnsafePointer { s in tmp.withUnsafeMutablePointer { d in
            for ch in 0..<c { for y in 0..<h { for x in 0..<w {
                var acc: Float = 0
                for k in -radius...radius { acc += kernel[k + radius] * s[(ch * h + y) * w + Swift.min(Swift.max(x + k, 0), w - 1)] }
                d[(ch * h + y) * w + x] = acc
            } } }
        } }
        tmp.withUnsafePointer { s in out.withUnsafeMutablePointer { d in
            for ch in 0..<c { for y in 0..<h { for x in 0..<w {
                var acc: Float = 0
                for k in -radius...radius { acc += kernel[k + radius] * s[(ch * h + Swift.min(Swift.max(y + k, 0), h - 1)) * w + x] }
                d[(ch * h + y) * w + x] = acc
            } } }
        } }
        return out
    }
}
