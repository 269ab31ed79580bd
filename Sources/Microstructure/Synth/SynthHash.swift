// Stateless random numbers keyed by integers: the parameters of a grain, packet, lane or
// needle follow from its indices alone, so every pixel can evaluate the structure it lies
// in without a shared generator and the result does not depend on traversal order.

import Foundation

struct SynthHash: Sendable {
    let key: UInt64

    init(_ key: UInt64) { self.key = key }

    /// SplitMix64's finaliser: a strong 64-bit mixer.
    @inline(__always)
    static func mix(_ z0: UInt64) -> UInt64 {
        var z = z0 &+ 0x9E37_79B9_7F4A_7C15
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// A derived key for a sub-structure (a salt names the purpose, e.g. "lane shade").
    @inline(__always)
    func child(_ a: Int) -> SynthHash { SynthHash(Self.mix(key ^ UInt64(bitPattern: Int64(a)) &* 0xD6E8_FEB8_6659_FD93)) }

    @inline(__always)
    func bits(_ a: Int, _ b: Int = 0, _ c: Int = 0) -> UInt64 {
        var h = Self.mix(key ^ UInt64(bitPattern: Int64(a)))
        h = Self.mix(h ^ UInt64(bitPattern: Int64(b)) &* 0xA24B_AED4_963E_E407)
        return Self.mix(h ^ UInt64(bitPattern: Int64(c)) &* 0x9FB2_1C65_1E98_DF25)
    }

    /// Uniform in [0, 1).
    @inline(__always)
    func unit(_ a: Int, _ b: Int = 0, _ c: Int = 0) -> Double { Double(bits(a, b, c) >> 11) * 0x1p-53 }

    /// Standard normal (Box–Muller on two keyed uniforms).
    @inline(__always)
    func normal(_ a: Int, _ b: Int = 0, _ c: Int = 0) -> Double {
        let h = bits(a, b, c)
        let u1 = max(Double(h >> 32) * 0x1p-32, 1e-12), u2 = Double(h & 0xFFFF_FFFF) * 0x1p-32
        return (-2 * log(u1)).squareRoot() * cos(2 * Double.pi * u2)
    }

    /// A seed for a SplitMix64 stream derived from this key.
    func seed(_ a: Int, _ b: Int = 0) -> UInt64 { bits(a, b, 0x5EED) }
}
