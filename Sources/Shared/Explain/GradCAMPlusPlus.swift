// Grad-CAM++ (Chattopadhay et al., "Grad-CAM++: Improved Visual Explanations for Deep
// Convolutional Networks", WACV 2018) and its smoothed variant (Omeiza et al., "Smooth
// Grad-CAM++", 2019). Grad-CAM weighs each channel by its mean gradient, so one large
// object dominates and several instances of a class blur into one; Grad-CAM++ weighs each
// position by α = g² / (2g² + Σ A·g³) (the closed form for an exponential of the score,
// whose higher derivatives are powers of the first), so every region that raises the
// score counts. The smoothed variant averages the three gradient powers and the activation
// over copies of the input with Gaussian noise, which removes the speckle of one pass.

import Foundation

public struct GradCAMPlusPlus {
    /// Noise for Smooth Grad-CAM++: `samples` copies with Gaussian noise of standard deviation
    /// `sigma` in the network's input units (normalised pixels; the defaults are torchcam's).
    public struct Smoothing: Codable, Equatable, Sendable {
        public var samples: Int
        public var sigma: Float
        public var seed: UInt64
        public init(samples: Int = 4, sigma: Float = 0.3, seed: UInt64 = 1) {
            self.samples = samples; self.sigma = sigma; self.seed = seed
        }
    }

    let cam: GradCAM
    public let smoothing: Smoothing?

    /// - Throws: as `GradCAM.init` for a layer that is missing or not spatial.
    public init(network: Network, layer: String? = nil, smoothing: Smoothing? = nil) throws {
        cam = try GradCAM(network: network, layer: layer)
        self.smoothing = smoothing
    }

    /// One map per image, upsampled to the input size and scaled to a maximum of 1.
    /// Shapes: input [N, C, H, W] → N maps of H × W.
    public func maps(_ input: Tensor, head: Int, classIndex: Int) -> [SaliencyMap] {
        let (n, h, w) = (input.shape[0], input.shape[2], input.shape[3])
        var sums: (a: [Float], g1: [Float], g2: [Float], g3: [Float])?
        var shape: [Int] = []
        let copies = smoothing.map { Swift.max(1, $0.samples) } ?? 1
        var rng = SplitMix64(seed: smoothing?.seed ?? 1)
        for _ in 0..<copies {
            let x = smoothing.map { Self.noisy(input, sigma: $0.sigma, rng: &rng) } ?? input
            let (a, g) = cam.activationAndGradient([x], head: head, classIndex: classIndex)
            shape = a.shape
            let av = a.scalars, gv = g?.scalars ?? [Float](repeating: 0, count: av.count)
            if sums == nil { sums = ([Float](repeating: 0, count: av.count), [Float](repeating: 0, count: av.count), [Float](repeating: 0, count: av.count), [Float](repeating: 0, count: av.count)) }
            for i in av.indices {
                let g1 = gv[i], g2 = g1 * g1
                sums!.a[i] += av[i]; sums!.g1[i] += g1; sums!.g2[i] += g2; sums!.g3[i] += g2 * g1
            }
        }
        let scale = 1 / Float(copies)
        let a = sums!.a.map { $0 * scale }, g1 = sums!.g1.map { $0 * scale }
        let g2 = sums!.g2.map { $0 * scale }, g3 = sums!.g3.map { $0 * scale }
        return Self.combine(shape: shape, activation: a, g1: g1, g2: g2, g3: g3).prefix(n).map { $0.resized(width: w, height: h).normalized() }
    }

    /// ReLU(Σ_k w_k·A_k) with w_k = Σ_ij α_kij·ReLU(g_kij). Shapes: [N, K, h, w] four times → N maps h × w.
    static func combine(shape: [Int], activation a: [Float], g1: [Float], g2: [Float], g3: [Float]) -> [SaliencyMap] {
        let (n, k, h, w) = (shape[0], shape[1], shape[2], shape[3])
        let plane = h * w
        return (0..<n).map { i in
            var cam = [Float](repeating: 0, count: plane)
            for c in 0..<k {
                let base = (i * k + c) * plane
                var activationSum: Float = 0
                for p in 0..<plane { activationSum += a[base + p] }
                var weight: Float = 0
                for p in 0..<plane where g1[base + p] > 0 {
                    let denominator = 2 * g2[base + p] + activationSum * g3[base + p]
                    let alpha = denominator != 0 ? g2[base + p] / denominator : 0
                    weight += alpha * g1[base + p]
                }
                for p in 0..<plane { cam[p] += weight * a[base + p] }
            }
            return SaliencyMap(width: w, height: h, values: cam.map { Swift.max(0, $0) })
        }
    }

    /// `input` plus Gaussian noise of standard deviation `sigma`.
    static func noisy(_ input: Tensor, sigma: Float, rng: inout SplitMix64) -> Tensor {
        Tensor(shape: input.shape, scalars: input.scalars.map { $0 + sigma * rng.nextNormal() })
    }
}
