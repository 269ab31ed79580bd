// One generated specimen: everything its micrographs share (type, needle-length class, the
// target needle length, prior-austenite grain size, etch response). Micrographs of a
// specimen differ only in the field, so a specimen-level split keeps them on one side.

import Foundation
import Shared

public struct SynthSpecimen: Codable, Equatable, Sendable {
    public var id: String
    public var type: MicrostructureType
    /// Class on the needle-length house scale. For `equiaxed` it sets the grain size from the
    /// same scale instead, and no needle class is reported.
    public var needleClass: Int
    /// Count-weighted mean needle length the structure is built for, µm (inside the class range).
    public var targetNeedleLengthUM: Double
    /// Spread (σ of the logarithm) of lane mean lengths.
    public var needleLengthSpread: Double
    /// √(mean grain area) of the prior-austenite grains (for `equiaxed`: of the grains), µm.
    public var grainSizeUM: Double
    /// The needle types present: one, or two for `mixed`.
    public var constituents: [MicrostructureType]
    /// Share of grains that take the first constituent (1 unless `mixed`).
    public var firstConstituentFraction: Double
    /// Etch response of this specimen: grey-level offset and contrast factor around mid-grey.
    public var etchBrightness: Double
    public var etchContrast: Double
    /// Structure seed; each field derives its own from it.
    public var seed: UInt64

    public init(id: String, type: MicrostructureType, needleClass: Int, targetNeedleLengthUM: Double,
                needleLengthSpread: Double = 0.22, grainSizeUM: Double, constituents: [MicrostructureType],
                firstConstituentFraction: Double = 1, etchBrightness: Double = 0, etchContrast: Double = 1, seed: UInt64) {
        self.id = id
        self.type = type
        self.needleClass = needleClass
        self.targetNeedleLengthUM = targetNeedleLengthUM
        self.needleLengthSpread = needleLengthSpread
        self.grainSizeUM = grainSizeUM
        self.constituents = constituents
        self.firstConstituentFraction = firstConstituentFraction
        self.etchBrightness = etchBrightness
        self.etchContrast = etchContrast
        self.seed = seed
    }

    /// Draws a specimen of `type` and `needleClass`: the target length log-uniform over the
    /// middle 80 % of the class range (so a field's measured mean stays inside the class), the
    /// prior-austenite grains 2.5–4 needle lengths across (packets and sheaves then hold whole
    /// needles), and a random pair and mix for `mixed`.
    /// - Precondition: `needleClass` is one of `scale.classes`.
    public static func draw(id: String = "s0001", type: MicrostructureType, needleClass: Int,
                            scale: NeedleLengthScale = NeedleLengthScale(), seed: UInt64) -> SynthSpecimen {
        var rng = SplitMix64(seed: SynthHash.mix(seed ^ 0x5BEC_1111))
        let range = scale.range(ofClass: needleClass)
        let target = range.lowerBound * pow(2, 0.1 + 0.8 * rng.nextUnit())
        let grain = target * (2.5 + 1.5 * rng.nextUnit())
        var constituents = [type]
        var fraction = 1.0
        if type == .mixed {
            let all = MicrostructureType.needleConstituents
            let a = Int(rng.next() % UInt64(all.count))
            let b = (a + 1 + Int(rng.next() % UInt64(all.count - 1))) % all.count
            constituents = [all[a], all[b]]
            fraction = 0.35 + 0.3 * rng.nextUnit()
        }
        return SynthSpecimen(id: id, type: type, needleClass: needleClass, targetNeedleLengthUM: target,
                             needleLengthSpread: 0.18 + 0.08 * rng.nextUnit(), grainSizeUM: grain,
                             constituents: constituents, firstConstituentFraction: fraction,
                             etchBrightness: 24 * (rng.nextUnit() - 0.5), etchContrast: 0.85 + 0.3 * rng.nextUnit(),
                             seed: rng.next())
    }
}
