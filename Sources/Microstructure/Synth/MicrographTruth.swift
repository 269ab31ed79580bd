// What a generated micrograph really shows: type, needle-length class and the mean needle
// length of its needles, the grain size of its (prior-austenite or equiaxed) grains, the
// scale and the burned-in scale bar. The reference every test and trained model is held to.

import Foundation
import Shared

public struct MicrographTruth: Equatable, Sendable {
    /// Grain size of the generating tessellation (Poisson–Voronoi, so N_A = λ and ℓ̄ = π/(4√λ)).
    public struct GrainSize: Equatable, Sendable {
        /// "prior-austenite" for needle structures, "equiaxed" for polygonal grains.
        public var kind: String
        public var grainsPerMM2: Double
        public var meanInterceptMM: Double

        public init(kind: String, meanGrainAreaUM2: Double) {
            self.kind = kind
            grainsPerMM2 = 1e6 / meanGrainAreaUM2
            meanInterceptMM = Double.pi / 4 * meanGrainAreaUM2.squareRoot() * 1e-3
        }

        /// G by ASTM E112 from N_A (planimetric relation).
        public var astmG: Double { GrainSizeStandard.astmE112.grainSizeNumber(grainsPerMM2: grainsPerMM2) }
        /// G by ISO 643 from N_A.
        public var isoG: Double { GrainSizeStandard.iso643.grainSizeNumber(grainsPerMM2: grainsPerMM2) }
    }

    public var specimen: String
    /// Field number within the specimen (0-based).
    public var field: Int
    public var type: MicrostructureType
    /// The needle types present (two for `mixed`, none for `equiaxed`) and the first one's share of grains.
    public var constituents: [MicrostructureType]
    public var firstConstituentFraction: Double?
    /// Class on the needle-length house scale; nil for `equiaxed`.
    public var needleClass: Int?
    /// Count-weighted mean length of the needles in this field, µm; nil for `equiaxed`.
    public var meanNeedleLengthUM: Double?
    /// The length the specimen was built for, µm (inside the class range).
    public var targetNeedleLengthUM: Double?
    /// Needles in the field (those cut by the edge count by the part that shows).
    public var needleCount: Double?
    public var grainSize: GrainSize
    public var umPerPixel: Double
    public var width: Int
    public var height: Int
    public var scaleBar: BurnedInScaleBar.Placement?
    /// Mean lineal intercept of the packets (martensite) or sheaves (upper bainite), µm: the
    /// packet tessellation cut by the prior-austenite grains, two independent Poisson–Voronoi
    /// tessellations, whose boundary lengths per area add: L_A = 2√λ_grain + 2√λ_packet and
    /// ℓ̄ = π / (2·L_A). nil for other types.
    public var packetInterceptUM: Double?

    /// One JSON object per image, as `truth.jsonl` stores it.
    public var json: JSONValue {
        var o: JSONObject = ["specimen": .string(specimen), "field": .int(field), "type": .string(type.rawValue)]
        o["constituents"] = .array(constituents.map { .string($0.rawValue) })
        o["first_constituent_fraction"] = firstConstituentFraction.map(Self.rounded) ?? .null
        o["needle_class"] = needleClass.map { .int($0) } ?? .null
        o["needle_scale"] = needleClass == nil ? .null : .string(NeedleLengthScale.houseScaleName)
        o["needle_length_um"] = meanNeedleLengthUM.map(Self.rounded) ?? .null
        o["target_needle_length_um"] = targetNeedleLengthUM.map(Self.rounded) ?? .null
        o["needle_count"] = needleCount.map { .number($0.rounded()) } ?? .null
        o["grain_size"] = ["kind": .string(grainSize.kind), "grains_per_mm2": Self.rounded(grainSize.grainsPerMM2),
                           "mean_intercept_mm": .number((grainSize.meanInterceptMM * 1e6).rounded() / 1e6),
                           "astm_e112_g": Self.rounded(grainSize.astmG), "iso_643_g": Self.rounded(grainSize.isoG)]
        o["um_per_px"] = .number(umPerPixel)
        o["width"] = .int(width)
        o["height"] = .int(height)
        o["scale_bar"] = scaleBar?.json ?? .null
        o["packet_intercept_um"] = packetInterceptUM.map(Self.rounded) ?? .null
        return .object(o)
    }

    /// Three decimals: plenty for truth, and stable text across platforms.
    static func rounded(_ v: Double) -> JSONValue { .number((v * 1000).rounded() / 1000) }
}
