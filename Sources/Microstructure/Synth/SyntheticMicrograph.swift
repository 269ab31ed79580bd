// A generated light-optical micrograph of steel with its truth: an 8-bit grey, calibrated
// image and exactly what it shows.

import Foundation
import Shared

public struct SyntheticMicrograph: Sendable {
    public var image: Image
    public var truth: MicrographTruth

    public init(image: Image, truth: MicrographTruth) {
        self.image = image
        self.truth = truth
    }

    /// One micrograph of a freshly drawn specimen (field 0), with default optics.
    /// - Throws: `.usage` for a class outside the scale, a bad size or scale, or a scale bar that does not fit.
    public init(type: MicrostructureType, needleClass: Int, width: Int, height: Int, umPerPixel: Double,
                seed: UInt64, synthesizer: MicrographSynthesizer = MicrographSynthesizer()) throws {
        try synthesizer.scale.validate()
        guard synthesizer.scale.classes.contains(needleClass) else {
            throw ReticleError(.usage, "needle-length class \(needleClass) is outside 1…\(synthesizer.scale.classCount)")
        }
        let specimen = SynthSpecimen.draw(type: type, needleClass: needleClass, scale: synthesizer.scale, seed: seed)
        self = try synthesizer.micrograph(of: specimen, field: 0, width: width, height: height, umPerPixel: umPerPixel)
    }
}
