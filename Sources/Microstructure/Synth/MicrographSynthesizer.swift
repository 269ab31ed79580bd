// Generates micrographs of a specimen: the structure (needle types or equiaxed grains) for
// one field, the microscope's optics, an optional burned-in scale bar, and the truth.
// The same specimen, field, size and scale give the same pixels on every run.

import Foundation
import Shared

public struct MicrographSynthesizer: Sendable {
    public var scale: NeedleLengthScale
    public var optics: MicroscopeOptics
    /// Burned into every micrograph when set.
    public var scaleBar: BurnedInScaleBar?

    public init(scale: NeedleLengthScale = NeedleLengthScale(), optics: MicroscopeOptics = MicroscopeOptics(),
                scaleBar: BurnedInScaleBar? = nil) {
        self.scale = scale
        self.optics = optics
        self.scaleBar = scaleBar
    }

    /// Largest side generated: a field, not a whole-slide image.
    public static let maxSide = 16384

    /// Field `field` of `specimen`, `width × height` px at `umPerPixel`.
    /// - Throws: `.usage` for a size or scale the structure cannot be drawn at.
    public func micrograph(of specimen: SynthSpecimen, field: Int, width: Int, height: Int,
                           umPerPixel: Double) throws -> SyntheticMicrograph {
        try optics.validate()
        guard (16...Self.maxSide).contains(width), (16...Self.maxSide).contains(height) else {
            throw ReticleError(.usage, "image size \(width)×\(height) px is outside 16…\(Self.maxSide) px a side")
        }
        guard umPerPixel.isFinite, umPerPixel > 0 else { throw ReticleError(.usage, "µm/px must be positive, got \(umPerPixel)") }
        let lengthPx = specimen.targetNeedleLengthUM / umPerPixel
        // Below two pixels a needle is not drawn, only aliased; grains need a few pixels too.
        guard lengthPx >= 2 else {
            throw ReticleError(.usage, String(format: "needles of %.2g µm are %.2g px at %g µm/px: use a finer scale (smaller --um-per-px)",
                                              specimen.targetNeedleLengthUM, lengthPx, umPerPixel))
        }
        let fieldSeed = SynthHash.mix(specimen.seed ^ SynthHash.mix(UInt64(field) &+ 0xF1E1D))
        let grainArea = specimen.grainSizeUM * specimen.grainSizeUM
        var truth = MicrographTruth(specimen: specimen.id, field: field, type: specimen.type, constituents: [],
                                    needleClass: nil, grainSize: .init(kind: "equiaxed", meanGrainAreaUM2: grainArea),
                                    umPerPixel: umPerPixel, width: width, height: height)
        var values: [Float]
        if specimen.type.hasNeedles {
            let structure = NeedleStructure(specimen: specimen, umPerPixel: umPerPixel, width: width, height: height, fieldSeed: fieldSeed)
            let (v, tally) = structure.render()
            values = v
            truth.constituents = specimen.constituents
            truth.firstConstituentFraction = specimen.type == .mixed ? specimen.firstConstituentFraction : nil
            truth.needleClass = specimen.needleClass
            truth.meanNeedleLengthUM = tally.meanLengthPx.map { $0 * umPerPixel }
            truth.targetNeedleLengthUM = specimen.targetNeedleLengthUM
            truth.needleCount = tally.count
            truth.grainSize.kind = "prior-austenite"
            truth.packetInterceptUM = Self.packetIntercept(specimen)
        } else {
            values = Self.equiaxed(specimen, umPerPixel: umPerPixel, width: width, height: height, seed: fieldSeed)
        }
        var pixels = optics.image(values, width: width, height: height, umPerPixel: umPerPixel, seed: SynthHash.mix(fieldSeed ^ 0x0B71C5))
        if let bar = scaleBar {
            truth.scaleBar = try bar.burn(into: &pixels, width: width, height: height, umPerPixel: umPerPixel)
        }
        let image = Image(width: width, height: height, channels: 1, storage: .uint8(pixels),
                          calibration: Calibration(umPerPixel: umPerPixel, source: .flag, detail: "generated"))
        return SyntheticMicrograph(image: image, truth: truth)
    }

    /// ℓ̄ of packets (martensite, cells of 1/3 the grain area) or sheaves (upper bainite, 1/2.5)
    /// cut by the grains: π/(2·L_A) with L_A = 2√λ_g·(1 + √k) for cells k times denser than grains.
    static func packetIntercept(_ specimen: SynthSpecimen) -> Double? {
        let k: Double
        switch specimen.type {
        case .martensite: k = 3
        case .upperBainite: k = 2.5
        default: return nil
        }
        return Double.pi / 4 * specimen.grainSizeUM / (1 + k.squareRoot())
    }

    /// Polygonal grains: a Poisson–Voronoi structure etched by `MicrographRenderer`, with the
    /// specimen's etch response; optics and noise come after, as for the needle types.
    static func equiaxed(_ specimen: SynthSpecimen, umPerPixel: Double, width: Int, height: Int, seed: UInt64) -> [Float] {
        let areaPx = pow(specimen.grainSizeUM / umPerPixel, 2)
        let structure = VoronoiStructure(width: width, height: height, meanGrainAreaPx: areaPx, umPerPixel: umPerPixel, seed: seed)
        var renderer = MicrographRenderer()
        renderer.vignetting = 0
        renderer.noiseSigma = 0
        let etched = renderer.render(structure.map, seed: SynthHash.mix(seed ^ 0xE7C4))
        guard case .uint8(let gray) = etched.storage else { return [] }
        let contrast = Float(specimen.etchContrast), brightness = Float(specimen.etchBrightness)
        var values = gray.map { 150 + (Float($0) - 150) * contrast + brightness }
        EtchMottle(hash: SynthHash(seed ^ 0xB10), spacing: max(24, 2 * areaPx.squareRoot()), amplitude: 6)
            .apply(to: &values, width: width, height: height)
        return values
    }
}
