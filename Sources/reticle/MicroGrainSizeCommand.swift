// `reticle micro grainsize IMAGE...`: ASTM E112 / ISO 643 grain size by measurement.
import ArgumentParser
import Foundation
import Microstructure
import Shared

extension GrainSizeMethod: ExpressibleByArgument {}
extension GrainSizeStandard: ExpressibleByArgument {}
extension GrainSizeAnalysis.BoundarySource: ExpressibleByArgument {}

struct MicroGrainSizeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "grainsize",
        abstract: "Grain size number G by the planimetric and intercept methods (ASTM E112 / ISO 643).",
        discussion: """
        Each image is split into fields (--fields, default 3x2); N_A or the mean lineal intercept \
        is averaged over fields (E112 §15: mean, s, 95 % CI, %RA) and G computed from the mean, \
        with the standard's edition and constants printed. Warnings: %RA above 10, fewer than 50 \
        grains a field, fewer than 5 fields. Boundaries are detected in etched micrographs \
        (--boundaries detect) or read from a binary boundary map (--boundaries map).
        """)

    @Argument(help: "Micrographs or boundary maps: files, folders or @list files.")
    var inputs: [String]

    @OptionGroup var calibrationFlags: CalibrationFlags

    @Option(help: "Boundary source: detect (etched micrograph) or map (binary boundary image).")
    var boundaries: GrainSizeAnalysis.BoundarySource = .detect

    @Option(help: "Method (repeatable): \(GrainSizeMethod.allCases.map(\.rawValue).joined(separator: ", ")). Default: all.")
    var method: [GrainSizeMethod] = []

    @Option(help: "Standard: astm-e112 or iso-643.")
    var standard: GrainSizeStandard = .astmE112

    @Option(help: "Fields per image as COLUMNSxROWS.")
    var fields: String = MicroGrainSizeOptions().fields

    @OptionGroup var batch: BatchFlags

    var options: MicroGrainSizeOptions {
        var o = MicroGrainSizeOptions()
        o.calibration = calibrationFlags.options
        o.boundaries = boundaries
        o.method = method
        o.standard = standard
        o.fields = fields
        return o
    }

    func validate() throws { try usage { try options.validate() } }

    func run() throws {
        let options = self.options
        let analysis: GrainSizeAnalysis
        let calibration: MicrographCalibration
        do {
            analysis = try options.analysis()
            calibration = try options.calibration.calibration()
        } catch {
            throw fail(error)
        }
        try batch.runBatch(inputs, label: "grainsize", options: options) { item in
            try MicroGrainSizeOptions.measure(item, analysis: analysis, calibration: calibration)
        }
    }
}
