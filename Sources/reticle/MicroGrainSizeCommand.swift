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
    var fields: String = "3x2"

    @OptionGroup var batch: BatchFlags

    func validate() throws {
        _ = try parseFields()
    }

    func parseFields() throws -> (Int, Int) {
        let p = fields.lowercased().split(separator: "x").compactMap { Int($0) }
        guard p.count == 2, p[0] >= 1, p[1] >= 1 else { throw ValidationError("--fields wants COLUMNSxROWS, e.g. 3x2") }
        return (p[0], p[1])
    }

    func run() throws {
        let (columns, rows) = try parseFields()
        let analysis = GrainSizeAnalysis(boundaries: boundaries, methods: method.isEmpty ? GrainSizeMethod.allCases : method,
                                         standard: standard, columns: columns, rows: rows)
        var settings = analysis.settings
        settings["command"] = "micro grainsize"
        settings["reticle"] = .string(ReticleVersion.string)
        for (k, v) in calibrationFlags.settings { settings[k] = v }
        let calibration: MicrographCalibration
        do {
            calibration = try calibrationFlags.calibration()
        } catch {
            throw fail(error)
        }
        try batch.runBatch(inputs, label: "grainsize", settings: settings) { item in
            let image = try ImageFile.read(path: item.path)
            let resolved = try calibration.resolve(image, path: item.displayPath)
            var result: JSONObject = ["calibration": .object(resolved.json)]
            for (k, v) in try analysis.measure(image, umPerPixel: resolved.umPerPixel, exclude: resolved.excludedRegions) {
                result[k] = v
            }
            return result
        }
    }
}
