// The steel lab's default scale for a label column: the needle-length class is a house scale in
// the style of ISO 643 comparison charts, so it is ordinal; the microstructure type is not.

import Foundation
import Shared

extension LabelScale {
    /// The scale a label column has unless the user says otherwise: needle-length classes are
    /// ordinal, everything else nominal.
    public static func guess(column: String) -> LabelScale {
        column.lowercased().contains("needle") ? .ordinal : .nominal
    }
}
