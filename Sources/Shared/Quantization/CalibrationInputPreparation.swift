// How a domain turns one calibration image into the inputs its command feeds the model, when
// the manifest's preprocessing is not the whole story: a steel grading model sees patches cut
// at the scale the calibration chain finds and standardised one by one, which a generic
// resize-and-normalise does not reproduce (calibrated that way, the demo model's int8 copy
// changed 7 of 10 types). `model quantize` uses the manifest; `micro quantize` passes this.

import Foundation

public struct CalibrationInputPreparation {
    /// What the inputs are, recorded in the quantised manifest ("micrograph grading patches").
    public var name: String
    /// The model inputs [C, H, W] of the image at a path, at most the given count, evenly spread.
    public var prepare: (String, Int) throws -> [Tensor]

    public init(name: String, prepare: @escaping (String, Int) throws -> [Tensor]) {
        self.name = name
        self.prepare = prepare
    }
}
