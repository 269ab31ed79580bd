// Whether a label's categories are merely different (a tissue type, a microstructure type) or
// ordered (a grade, a size class): it decides which kappa weights and which alpha metric apply.

import Foundation

public enum LabelScale: String, Codable, Sendable, CaseIterable {
    case nominal
    case ordinal
}
