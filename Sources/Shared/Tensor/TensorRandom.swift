// Seeded random tensors for initialisation and tests. The generator is
// SplitMix64 so a seed gives the same weights on every platform.

import Foundation

/// SplitMix64: tiny, fast, and reproducible across platforms (unlike SystemRandomNumberGenerator).
public struct SplitMix64: RandomNumberGenerator, Sendable {
    private var state: UInt64
    public init(seed: UInt64) { state = seed }
    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// Uniform in [0, 1).
    public mutating func nextUniform() -> Float { Float(next() >> 40) / Float(1 << 24) }

    /// Standard normal (Box–Muller).
    public mutating func nextNormal() -> Float {
        let u1 = max(Double(next() >> 11) / Double(1 << 53), 1e-300), u2 = Double(next() >> 11) / Double(1 << 53)
        return Float((-2 * Foundation.log(u1)).squareRoot() * cos(2 * .pi * u2))
    }
}

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
