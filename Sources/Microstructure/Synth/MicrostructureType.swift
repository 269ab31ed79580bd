// The microstructure classes the generator draws; raw values are the class names used in
// manifests, folder layouts and model heads.

import Foundation
import Shared

public enum MicrostructureType: String, CaseIterable, Codable, Sendable {
    /// Lath martensite: prior-austenite grains split into packets and blocks of parallel laths.
    case martensite
    /// Fine plates with internal carbide striations at about 55–60° to the plate axis; etches dark.
    case lowerBainite = "lower-bainite"
    /// Coarse parallel sheaves of laths with carbide films along the lath boundaries.
    case upperBainite = "upper-bainite"
    /// Two of the needle types side by side, grain by grain.
    case mixed
    /// Polygonal (ferrite-like) grains of known grain size; no needles.
    case equiaxed

    /// The types that have needles (laths or plates) and so a needle-length class.
    public var hasNeedles: Bool { self != .equiaxed }

    /// The single-constituent needle types a `mixed` structure blends.
    public static let needleConstituents: [MicrostructureType] = [.martensite, .lowerBainite, .upperBainite]

    /// The types a dataset holds unless told otherwise (the classes DESIGN.md names).
    public static let defaultDatasetTypes: [MicrostructureType] = [.martensite, .lowerBainite, .upperBainite, .mixed]

    /// Parses a comma-separated list such as `martensite,lower-bainite`.
    public static func parseList(_ text: String) throws -> [MicrostructureType] {
        var out: [MicrostructureType] = []
        for part in text.split(separator: ",").map({ $0.trimmingCharacters(in: .whitespaces) }) where !part.isEmpty {
            guard let t = MicrostructureType(rawValue: part) else {
                throw ReticleError(.usage, "unknown microstructure type '\(part)'; known: \(allCases.map(\.rawValue).joined(separator: ", "))")
            }
            if !out.contains(t) { out.append(t) }
        }
        guard !out.isEmpty else { throw ReticleError(.usage, "no microstructure types given") }
        return out
    }
}
