// What the microscope and camera add to an etched surface: the point-spread function (blur),
// uneven illumination (a linear gradient in a random direction plus vignetting) and sensor
// noise, ending in 8-bit grey levels; and how deep the laboratory etches (contrast of the
// structure, a tone curve). Deterministic for a seed.

import Foundation
import Shared

public struct MicroscopeOptics: Codable, Equatable, Sendable {
    /// Brightness change across the field from uneven illumination, as a fraction (0.12: ±6 %).
    public var illuminationGradient: Double
    /// Relative brightness drop from the centre to the corners.
    public var vignetting: Double
    /// Gaussian point-spread σ in µm; never below 0.4 px, which any camera's pixels add.
    public var blurUM: Double
    /// Sensor noise σ in grey levels.
    public var noiseSigma: Double
    /// Etch depth: the structure's grey levels stretched about mid-grey by this factor (1: as generated).
    public var etchContrast = 1.0
    /// Tone curve of the camera or etch: v ↦ 255·(v/255)^γ (1: linear).
    public var gamma = 1.0

    public init(illuminationGradient: Double = 0.12, vignetting: Double = 0.08, blurUM: Double = 0.3, noiseSigma: Double = 3) {
        self.illuminationGradient = illuminationGradient
        self.vignetting = vignetting
        self.blurUM = blurUM
        self.noiseSigma = noiseSigma
    }

    /// Another laboratory's preparation and microscope: a deeper etch, a brighter tone curve, stronger uneven
    /// illumination and vignetting, softer focus and a noisier camera than `self`.
    public var otherLab: MicroscopeOptics {
        var o = MicroscopeOptics(illuminationGradient: max(illuminationGradient, 0.3), vignetting: max(vignetting, 0.18),
                                 blurUM: max(blurUM * 1.6, 0.45), noiseSigma: max(noiseSigma * 2, 5))
        o.etchContrast = 1.3
        o.gamma = 0.75
        return o
    }

    /// No blur beyond the pixel, even light, no noise: the bare structure (for tests and masks).
    public static let ideal = MicroscopeOptics(illuminationGradient: 0, vignetting: 0, blurUM: 0, noiseSigma: 0)

    public func validate() throws {
        for (name, v) in [("illumination gradient", illuminationGradient), ("vignetting", vignetting),
                          ("blur", blurUM), ("noise", noiseSigma)] where !(v.isFinite && v >= 0) {
            throw ReticleError(.usage, "\(name) must be a non-negative number, got \(v)")
        }
        for (name, v) in [("etch contrast", etchContrast), ("gamma", gamma)] where !(v.isFinite && v > 0) {
            throw ReticleError(.usage, "\(name) must be a non-negative number, got \(v)")
        }
        guard illuminationGradient < 1, vignetting < 1 else {
            throw ReticleError(.usage, "illumination gradient and vignetting are fractions below 1")
        }
    }

    /// Images `values` (row-major grey levels, 0–255 scale) into 8-bit samples.
    func image(_ values: [Float], width: Int, height: Int, umPerPixel: Double, seed: UInt64) -> [UInt8] {
        var rng = SplitMix64(seed: seed)
        let sigma = blurUM > 0 ? max(0.4, blurUM / umPerPixel) : 0
        let blurred = sigma > 0 ? Self.gaussianBlur(values, width: width, height: height, sigma: sigma) : values
        let angle = 2 * Double.pi * rng.nextUnit()
        let gx = Float(cos(angle) * illuminationGradient), gy = Float(sin(angle) * illuminationGradient)
        let cx = Float(width) / 2, cy = Float(height) / 2
        let invR2 = 1 / (cx * cx + cy * cy)
        let invW = 1 / Float(max(1, width)), invH = 1 / Float(max(1, height))
        let vig = Float(vignetting), noise = Float(noiseSigma)
        let etch = Float(etchContrast), tone = Float(gamma), toned = etchContrast != 1 || gamma != 1
        var out = [UInt8](repeating: 0, count: width * height)
        blurred.withUnsafeBufferPointer { src in
        out.withUnsafeMutableBufferPointer { dst in
            var spare: Float? = nil
            for y in 0..<height {
                let fy = Float(y) + 0.5 - cy
                for x in 0..<width {
                    let fx = Float(x) + 0.5 - cx
                    let light = 1 + gx * fx * invW + gy * fy * invH - vig * (fx * fx + fy * fy) * invR2
                    var n: Float = 0
                    if noise > 0 {
                        // Box–Muller gives two normals per pair of uniforms; keep the second.
                        if let s = spare { n = s; spare = nil } else {
                            let u1 = max(rng.nextUnit(), 1e-12), u2 = rng.nextUnit()
                            let r = Float((-2 * log(u1)).squareRoot())
                            n = r * Float(cos(2 * Double.pi * u2))
                            spare = r * Float(sin(2 * Double.pi * u2))
                        }
                    }
                    var base = src[y * width + x]
                    if toned {
                        base = min(255, max(0, 128 + (base - 128) * etch))
                        base = 255 * pow(base / 255, tone)
                    }
                    let v = base * light + noise * n
                    dst[y * width + x] = UInt8(max(0, min(255, v.rounded())))
                }
            }
        }}
        return out
    }

    /// Separable Gaussian blur, edges clamped.
    static func gaussianBlur(_ v: [Float], width w: Int, height h: Int, sigma: Double) -> [Float] {
        let radius = max(1, Int((3 * sigma).rounded(.up)))
        var kernel = (-radius...radius).map { Float(exp(-Double($0 * $0) / (2 * sigma * sigma))) }
        let total = kernel.reduce(0, +)
        kernel = kernel.map { $0 / total }
        var tmp = [Float](repeating: 0, count: w * h), out = tmp
        kernel.withUnsafeBufferPointer { k in
            v.withUnsafeBufferPointer { src in
            tmp.withUnsafeMutableBufferPointer { dst in
                for y in 0..<h {
                    let row = y * w
                    for x in 0..<w {
                        var acc: Float = 0
                        for i in -radius...radius { acc += k[i + radius] * src[row + min(w - 1, max(0, x + i))] }
                        dst[row + x] = acc
                    }
                }
            }}
            tmp.withUnsafeBufferPointer { src in
            out.withUnsafeMutableBufferPointer { dst in
                for y in 0..<h {
                    for x in 0..<w {
                        var acc: Float = 0
                        for i in -radius...radius { acc += k[i + radius] * src[min(h - 1, max(0, y + i)) * w + x] }
                        dst[y * w + x] = acc
                    }
                }
            }}
        }
        return out
    }
}
