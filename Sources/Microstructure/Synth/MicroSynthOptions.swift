// The options of `reticle micro synth`: what dataset to generate. Where it goes, how many
// threads and whether to replace one are run options of the command, not part of the value.

import Foundation
import Shared

public struct MicroSynthOptions: CommandOptions {
    public static let command = "micro synth"
    public var specimens = 20
    public var imagesPerSpecimen = 4
    /// Image size as WIDTHxHEIGHT in px.
    public var size = "512x512"
    /// Pixel size in µm.
    public var umPerPx = 0.5
    /// Comma-separated microstructure types.
    public var types = MicrostructureType.defaultDatasetTypes.map(\.rawValue).joined(separator: ",")
    /// Number of needle-length classes.
    public var classes = 5
    /// Lower end of needle-length class 1 in µm; each class doubles it.
    public var class1Um = 2.0
    /// Burn in a scale bar of this length in µm.
    public var scaleBarUm: Double?
    public var scaleBarPolarity = ScaleBar.Polarity.light
    /// Brightness change across the field from uneven illumination (fraction).
    public var illumination = 0.12
    /// Optical blur (Gaussian σ) in µm.
    public var blurUm = 0.3
    /// Sensor noise σ in grey levels.
    public var noise = 3.0
    public var seed: UInt64 = 1
    public var layout = SyntheticDataset.Layout.manifest
    /// The laboratory look: reference, or other-lab (deeper etch, other tone curve, stronger illumination
    /// gradient, softer focus, noisier camera) for the same structures: the same seed gives the same specimens.
    public var style = Style.reference

    public enum Style: String, Codable, CaseIterable, Sendable {
        case reference
        case otherLab = "other-lab"
    }

    public init() {}

    public func validate() throws {
        if specimens < 1 { throw ReticleError(.usage, "--specimens must be at least 1") }
        if imagesPerSpecimen < 1 { throw ReticleError(.usage, "--images-per-specimen must be at least 1") }
        if !(umPerPx.isFinite && umPerPx > 0) { throw ReticleError(.usage, "--um-per-px must be a positive number of µm") }
        if !(1...12).contains(classes) { throw ReticleError(.usage, "--classes must be 1…12") }
        if !(class1Um.isFinite && class1Um > 0) { throw ReticleError(.usage, "--class1-um must be a positive number of µm") }
        if let l = scaleBarUm, !(l.isFinite && l > 0) { throw ReticleError(.usage, "--scale-bar-um must be a positive number of µm") }
        _ = try imageSize()
        do { _ = try MicrostructureType.parseList(types) } catch {
            throw ReticleError(.usage, "--types: \(error.localizedDescription)")
        }
    }

    /// (width, height) from `size`.
    public func imageSize() throws -> (width: Int, height: Int) {
        let p = size.lowercased().split(separator: "x").compactMap { Int($0) }
        guard p.count == 2, p[0] >= 16, p[1] >= 16 else {
            throw ReticleError(.usage, "--size wants WIDTHxHEIGHT of at least 16x16, e.g. 512x512")
        }
        return (p[0], p[1])
    }

    /// The dataset these options describe, validated.
    public func dataset() throws -> SyntheticDataset {
        let (w, h) = try imageSize()
        let optics = MicroscopeOptics(illuminationGradient: illumination, blurUM: blurUm, noiseSigma: noise)
        let synthesizer = MicrographSynthesizer(
            scale: NeedleLengthScale(classCount: classes, class1MinimumUM: class1Um),
            optics: style == .otherLab ? optics.otherLab : optics,
            scaleBar: scaleBarUm.map { BurnedInScaleBar(lengthUM: $0, polarity: scaleBarPolarity) })
        let dataset = SyntheticDataset(specimens: specimens, imagesPerSpecimen: imagesPerSpecimen, width: w, height: h,
                                       umPerPixel: umPerPx, types: try MicrostructureType.parseList(types),
                                       synthesizer: synthesizer, seed: seed, layout: layout)
        try dataset.validate()
        return dataset
    }
}
