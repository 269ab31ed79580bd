// The options of `reticle micro quantize M --calibrate DIR --out Q`: int8 quantisation of a steel
// grading model, calibrated and checked on the patches `micro grade` itself cuts (scale from the
// calibration chain, scale bar left out, each patch standardised). `model quantize` prepares inputs
// from the manifest alone, which a grading model never sees: calibrated that way the demo model's
// int8 copy changed 7 of 10 types, so `micro grade` takes only models quantised here.

import Foundation
import Shared

public struct MicroQuantizeOptions: CommandOptions {
    public static let command = "micro quantize"
    /// What the quantised manifest records as its calibration inputs; `micro grade` checks for it.
    public static let inputsName = "micrograph grading patches"

    public var quantize = QuantizeOptions()
    public var calibration = CalibrationOptions()

    public init() {
        // A micrograph gives a dozen or more grading patches; four would waste most images.
        quantize.patchesPerImage = 16
    }

    public func validate() throws {
        try quantize.validate()
        try calibration.validate()
    }

    /// Quantises `model` into `out` as `QuantizeOptions.run` does, on grading patches of the images read by
    /// `reader` and calibrated by `chain` (what `calibration` describes, its profile loaded by the caller).
    public func run(model: String, out: String, chain: MicrographCalibration, reader: ImageReader = .rasters,
                    log: (String) -> Void = { _ in }) throws -> QuantizeOptions.Report {
        try validate()
        let grader = try MicrographGrader(modelFile: URL(fileURLWithPath: model))
        let preparation = CalibrationInputPreparation(name: Self.inputsName) { path, count in
            let image = try reader.read(path: path)
            return try grader.inputs(image, calibration: chain.resolve(image, path: path), count: count)
        }
        return try quantize.run(model: model, out: out, preparation: preparation, reader: reader, log: log)
    }
}
