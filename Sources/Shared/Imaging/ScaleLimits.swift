// The one place that says which pixel sizes are physically plausible and how large an image
// may become when brought to another scale. Checked before any resampling, so that a
// mistaken figure (a print density read as a scale, a typo in --um-per-px, a hostile
// manifest) becomes a calibration error naming the numbers, never an allocation or a trap.

import Foundation

public enum ScaleLimits {
    /// Pixel sizes a light or electron microscope can produce, in µm/px (inclusive).
    ///
    /// Lower end 1e-4 µm/px (0.1 nm): an aberration-corrected TEM/STEM at atomic resolution
    /// samples at about that; nothing finer is a micrograph. Upper end 100 µm/px: a stereo
    /// microscope or macro photograph of a whole specimen (10 cm across 1000 px) is coarser
    /// than any light-microscope objective, and beyond it a figure is a print density
    /// (150 dpi = 169 µm/px) or a typo, not a scale.
    public static let micronsPerPixel: ClosedRange<Double> = 1e-4...100

    /// The most samples (pixels × channels) one resampled image may hold: 2^27, 512 MiB of
    /// Float32, 16 times a 2048×4096 grey micrograph. A scale ratio that would exceed it is
    /// refused before anything is allocated.
    public static let maxResampledSamples = 1 << 27

    /// True when `umPerPixel` is a finite pixel size inside `micronsPerPixel`.
    public static func isPlausible(umPerPixel: Double) -> Bool {
        umPerPixel.isFinite && micronsPerPixel.contains(umPerPixel)
    }

    /// "0.0001…100 µm/px", for messages.
    public static var rangeText: String {
        "\(Calibration.format(micronsPerPixel.lowerBound))…\(Calibration.format(micronsPerPixel.upperBound)) µm/px"
    }

    /// - Throws: `ReticleError(.calibration)` naming `what` (e.g. "--um-per-px") and the value
    ///   when it is not finite, not positive, or outside `micronsPerPixel`.
    public static func check(umPerPixel v: Double, _ what: String, file: String? = nil) throws {
        guard v.isFinite, v > 0 else {
            throw ReticleError(.calibration, file: file, "\(what) must be a positive number of µm/px, got \(Calibration.format(v))")
        }
        guard micronsPerPixel.contains(v) else {
            throw ReticleError(.calibration, file: file,
                               "\(what) \(Calibration.format(v)) µm/px is outside the \(rangeText) a light or electron microscope produces; check the figure (a print density such as 150 dpi reads as 169 µm/px)")
        }
    }

    /// Checks an output size computed in Double before it is converted to Int or allocated.
    /// - Throws: `ReticleError(.calibration)` when either side is not finite or the image would
    ///   hold more than `maxResampledSamples`; `context` says what was being resampled.
    public static func checkResampledSize(width: Double, height: Double, channels: Int, context: @autoclosure () -> String,
                                          file: String? = nil) throws {
        let samples = width * height * Double(max(channels, 1))
        guard width.isFinite, height.isFinite, width >= 0, height >= 0, samples <= Double(maxResampledSamples) else {
            throw ReticleError(.calibration, file: file,
                               "\(context()) would be \(pixels(width))×\(pixels(height)) px, more than the \(maxResampledSamples) samples (2^27) one image may hold; check the scale")
        }
    }

    /// A pixel count as a whole number while it is one, else in %g form (1e+300).
    static func pixels(_ v: Double) -> String {
        v.isFinite && abs(v) < 1e15 ? String(Int(v.rounded())) : Calibration.format(v)
    }
}
