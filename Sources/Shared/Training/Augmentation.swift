// Seeded data augmentation of one image tensor [C, H, W]: random resized crop,
// flips, 90° rotations, illumination gradient, brightness / contrast / gamma, Gaussian
// blur, noise, JPEG block artefacts, and an optional final standardisation per sample.
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
    /// Uneven illumination: x·(1 + a·ramp), a linear ramp of −½…½ across the image in a random direction, a ~ U(0, g).
    public var illuminationGradient: Float = 0
    /// Probability of JPEG compression artefacts (8×8 DCT quantisation of the first channel at a quality
    /// ~ U(jpegMinimumQuality, 95), for inputs scaled to about [0, 1]).
    public var jpegProbability: Float = 0
    public var jpegMinimumQuality = 30
    /// Finally (x − mean) / max(std, standardizationFloor) per channel: inputs that a model sees standardised are
    /// augmented in their raw range first. Evaluation batches get this step alone (`evaluationPart`).
    public var standardize = false
    public var standardizationFloor: Float = 0.02

    public init() {}

    /// What evaluation batches get: the standardisation only (nil when there is none).
    public var evaluationPart: Augmentation? {
        guard standardize else { return nil }
        var a = Augmentation()
        a.standardize = true
        a.standardizationFloor = standardizationFloor
        return a
    }

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
        if illuminationGradient > 0 {
            let a = illuminationGradient * rng.nextUniform(), angle = 2 * Float.pi * rng.nextUniform()
            let gx = a * Foundation.cos(angle) / Float(w), gy = a * Foundation.sin(angle) / Float(h)
            x.withUnsafeMutablePointer { p in
                for ch in 0..<c { for yy in 0..<h { for xx in 0..<w {
                    p[(ch * h + yy) * w + xx] *= 1 + gx * (Float(xx) - Float(w) / 2) + gy * (Float(yy) - Float(h) / 2)
                } } }
            }
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
        if jpegProbability > 0 && rng.nextUniform() < jpegProbability {
            let lo = Swift.min(Swift.max(jpegMinimumQuality, 1), 95)
            x = Augmentation.jpegArtefacts(x, quality: lo + Int(rng.next() % UInt64(96 - lo)))
        }
        if standardize {
            let plane = h * w
            x.withUnsafeMutablePointer { p in
                for ch in 0..<c {
                    var sum: Float = 0, sq: Float = 0
                    for i in 0..<plane { sum += p[ch * plane + i] }
                    let mean = sum / Float(Swift.max(plane, 1))
                    for i in 0..<plane { let d = p[ch * plane + i] - mean; sq += d * d }
                    let s = Swift.max((sq / Float(Swift.max(plane, 1))).squareRoot(), standardizationFloor)
                    for i in 0..<plane { p[ch * plane + i] = (p[ch * plane + i] - mean) / s }
                }
            }
        }
        return x
    }

    /// The lossy step of baseline JPEG on every channel: 8×8 blocks (edge blocks clamped), level-shifted
    /// 8-bit values through a DCT, divided by the IJG luminance table scaled for `quality`, rounded, and back.
    static func jpegArtefacts(_ t: Tensor, quality: Int) -> Tensor {
        let base: [Float] = [16, 11, 10, 16, 24, 40, 51, 61, 12, 12, 14, 19, 26, 58, 60, 55, 14, 13, 16, 24, 40, 57, 69, 56,
                             14, 17, 22, 29, 51, 87, 80, 62, 18, 22, 37, 56, 68, 109, 103, 77, 24, 35, 55, 64, 81, 104, 113, 92,
                             49, 64, 78, 87, 103, 121, 120, 101, 72, 92, 95, 98, 112, 100, 103, 99]
        let q = Swift.min(Swift.max(quality, 1), 100)
        let scale = Float(q < 50 ? 5000 / q : 200 - 2 * q) / 100
        let table = base.map { Swift.max(1, ($0 * scale).rounded()) }
        var cosines = [Float](repeating: 0, count: 64)
        for u in 0..<8 { for i in 0..<8 {
            cosines[u * 8 + i] = (u == 0 ? Float(0.5).squareRoot() : 1) / 2 * Foundation.cos(Float((2 * i + 1) * u) * .pi / 16)
        } }
        let (c, h, w) = (t.shape[0], t.shape[1], t.shape[2])
        var out = t
        out.withUnsafeMutablePointer { p in
            var block = [Float](repeating: 0, count: 64), coef = block, tmp = block
            for ch in 0..<c { for by in stride(from: 0, to: h, by: 8) { for bx in stride(from: 0, to: w, by: 8) {
                for i in 0..<8 { for j in 0..<8 {
                    let y = Swift.min(by + i, h - 1), x = Swift.min(bx + j, w - 1)
                    block[i * 8 + j] = Swift.min(Swift.max(p[(ch * h + y) * w + x] * 255, 0), 255) - 128
                } }
                for u in 0..<8 { for j in 0..<8 { var a: Float = 0; for i in 0..<8 { a += cosines[u * 8 + i] * block[i * 8 + j] }; tmp[u * 8 + j] = a } }
                for u in 0..<8 { for v in 0..<8 {
                    var a: Float = 0; for j in 0..<8 { a += cosines[v * 8 + j] * tmp[u * 8 + j] }
                    coef[u * 8 + v] = (a / table[u * 8 + v]).rounded() * table[u * 8 + v]
                } }
                for i in 0..<8 { for v in 0..<8 { var a: Float = 0; for u in 0..<8 { a += cosines[u * 8 + i] * coef[u * 8 + v] }; tmp[i * 8 + v] = a } }
                for i in 0..<8 where by + i < h { for j in 0..<8 where bx + j < w {
                    var a: Float = 0; for v in 0..<8 { a += cosines[v * 8 + j] * tmp[i * 8 + v] }
                    p[(ch * h + by + i) * w + bx + j] = Swift.min(Swift.max(a + 128, 0), 255) / 255
                } }
            } } }
        }
        return out
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
