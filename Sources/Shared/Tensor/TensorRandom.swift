// Seeded random tensors for initialisation and tests. The generator is
// SplitMix64 (Support/SplitMix64.swift) so a seed gives the same weights on every platform.

import Foundation

extension Tensor {
    /// Uniform in [low, high).
    public static func uniform<G: RandomNumberGenerator>(_ shape: [Int], low: Float = 0, high: Float = 1, using rng: inout G) -> Tensor {
        var t = Tensor(shape: shape)
        let n = t.count
        t.withUnsafeMutablePointer { p in for i in 0..<n { p[i] = Float.random(in: low..<high, using: &rng) } }
        return t
    }

    /// Normal with mean 0 and standard deviation `std`.
    public static func normal(_ shape: [Int], std: Float = 1, using rng: inout SplitMix64) -> Tensor {
        var t = Tensor(shape: shape)
        let n = t.count
        t.withUnsafeMutablePointer { p in for i in 0..<n { p[i] = std * rng.nextNormal() } }
        return t
    }
}
