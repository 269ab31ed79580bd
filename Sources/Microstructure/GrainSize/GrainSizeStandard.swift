// Grain size numbers G of ASTM E112 and ISO 643: the formulas and constants,
// per edition, so every reported G can print exactly how it was computed.
//
// ASTM E112-13: N_A = 7.75·2^G grains/mm² at 1×, i.e. G = 3.321928·log10(N_A) − 2.954;
//   mean lineal intercept ℓ̄ (mm): G = −6.643856·log10(ℓ̄) − 3.288 (ℓ̄ = 0.32 mm at G = 0).
// ISO 643:2019: m = 8·2^G grains/mm², i.e. G = log2(m) − 3 (0.046 below ASTM for one count);
//   intercept: G = −6.643856·log10(ℓ̄) − 3.2877 (ℓ̄ in mm).

import Foundation

public enum GrainSizeStandard: String, Codable, Sendable, CaseIterable {
    case astmE112 = "astm-e112"
    case iso643 = "iso-643"

    /// Standard and edition as printed with every result.
    public var edition: String {
        switch self {
        case .astmE112: return "ASTM E112-13"
        case .iso643: return "ISO 643:2019"
        }
    }

    /// Grains per mm² at 1× for G = 0 (planimetric constant).
    public var grainsPerMM2AtZero: Double {
        switch self {
        case .astmE112: return 7.75
        case .iso643: return 8
        }
    }

    /// Additive constant of the intercept relation G = −2·log2(ℓ̄) + c (ℓ̄ in mm), written as
    /// −6.643856·log10(ℓ̄) + c. Kept per edition because editions round it differently.
    public var interceptConstant: Double {
        switch self {
        case .astmE112: return -3.288
        case .iso643: return -3.2877
        }
    }

    /// G from grains per mm² at 1× (planimetric methods).
    public func grainSizeNumber(grainsPerMM2 nA: Double) -> Double {
        log2(nA / grainsPerMM2AtZero)
    }

    /// Grains per mm² at 1× for a grain size number.
    public func grainsPerMM2(grainSizeNumber g: Double) -> Double {
        grainsPerMM2AtZero * pow(2, g)
    }

    /// G from the mean lineal intercept in mm (intercept methods).
    public func grainSizeNumber(meanInterceptMM l: Double) -> Double {
        -6.643856 * log10(l) + interceptConstant
    }

    /// Mean lineal intercept in mm for a grain size number.
    public func meanInterceptMM(grainSizeNumber g: Double) -> Double {
        pow(10, (interceptConstant - g) / 6.643856)
    }

    /// The formulas with this edition's constants, for reports.
    public var formulas: String {
        let c = String(format: "%.4g", grainsPerMM2AtZero)
        let k = String(format: "%.4f", interceptConstant)
        return "\(edition): N_A = \(c)·2^G per mm² at 1×; G = −6.643856·log10(ℓ̄/mm) \(k.hasPrefix("-") ? "−" : "+") \(k.drop { $0 == "-" })"
    }
}
