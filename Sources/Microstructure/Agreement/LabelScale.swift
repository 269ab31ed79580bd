// Whether a label's categories are merely different (microstructure type) or ordered (the
// needle-length class, a house scale in the style of ISO 643 comparison charts): it decides
// which kappa weights and which alpha metric apply.

import Foundation

public enum LabelScale: String, Codable, Sendable, CaseIterable {
    case nominal
    case ordinal

    /// The scale a label column has unless the user says otherwise: needle-length classes are
    /// ordinal, everything else nominal.
    public static func guess(column: String) -> LabelScale {
        column.lowercased().contains("needle") ? .ordinal : .nominal
    }
}
