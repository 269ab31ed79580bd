// Per-pixel colour conversions for 8-bit RGB: HSV saturation and value, optical density
// (Beer–Lambert, for stain separation) and CIE L*a*b* (D65, for Reinhard colour transfer).

import Foundation

public enum ColorSpace {
    /// HSV saturation and value in 0...1 of an RGB triple in 0...255.
    @inlinable
    public static func saturationValue(_ r: UInt8, _ g: UInt8, _ b: UInt8) -> (s: Float, v: Float) {
        let mx = max(r, g, b), mn = min(r, g, b)
        guard mx > 0 else { return (0, 0) }
        return (Float(mx - mn) / Float(mx), Float(mx) / 255)
    }

    /// Optical density −ln(max(I, 1) / 255) of one 8-bit intensity (the staintools/TIAToolbox
    /// convention): 0 for white, about 5.5 for black.
    @inlinable
    public static func opticalDensity(_ i: UInt8) -> Float { -Foundation.log(Float(max(i, 1)) / 255) }

    /// The intensity 255·e^(−od), clamped to 0...255.
    @inlinable
    public static func intensity(opticalDensity od: Float) -> UInt8 {
        UInt8(max(0, min(255, (255 * Foundation.exp(-od)).rounded())))
    }

    /// sRGB (0...255) to CIE L*a*b* with the D65 white point.
    public static func lab(_ r: UInt8, _ g: UInt8, _ b: UInt8) -> (l: Float, a: Float, b: Float) {
        func lin(_ c: UInt8) -> Float {
            let v = Float(c) / 255
            return v <= 0.04045 ? v / 12.92 : Foundation.pow((v + 0.055) / 1.055, 2.4)
        }
        let R = lin(r), G = lin(g), B = lin(b)
        let x = (0.4124564 * R + 0.3575761 * G + 0.1804375 * B) / 0.95047
        let y = 0.2126729 * R + 0.7151522 * G + 0.0721750 * B
        let z = (0.0193339 * R + 0.1191920 * G + 0.9503041 * B) / 1.08883
        func f(_ t: Float) -> Float { t > 0.008856 ? Foundation.cbrt(t) : 7.787 * t + 16 / 116 }
        let fx = f(x), fy = f(y), fz = f(z)
        return (116 * fy - 16, 500 * (fx - fy), 200 * (fy - fz))
    }

    /// CIE L*a*b* (D65) back to sRGB 0...255, clamped.
    public static func rgb(l: Float, a: Float, b: Float) -> (UInt8, UInt8, UInt8) {
        let fy = (l + 16) / 116, fx = fy + a / 500, fz = fy - b / 200
        func inv(_ t: Float) -> Float { t > 0.206893 ? t * t * t : (t - 16 / 116) / 7.787 }
        let x = inv(fx) * 0.95047, y = inv(fy), z = inv(fz) * 1.08883
        let R = 3.2404542 * x - 1.5371385 * y - 0.4985314 * z
        let G = -0.9692660 * x + 1.8760108 * y + 0.0415560 * z
        let B = 0.0556434 * x - 0.2040259 * y + 1.0572252 * z
        func enc(_ v: Float) -> UInt8 {
            let c = v <= 0.0031308 ? 12.92 * v : 1.055 * Foundation.pow(max(v, 0), 1 / 2.4) - 0.055
            return UInt8(max(0, min(255, (c * 255).rounded())))
        }
        return (enc(R), enc(G), enc(B))
    }
}
