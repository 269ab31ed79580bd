// `reticle micro grainsize IMAGE...`: ASTM E112 / ISO 643 grain size by measurement.
import ArgumentParser
import Foundation
import Microstructure
import Shared

extension GrainSizeMethod: ExpressibleByArgument {}
extension GrainSizeStandard: ExpressibleByArgument {}
extension GrainSizeAnalysis.BoundarySource: ExpressibleByArgument {}
extension GrainSizeAnalysis.StructureHint: ExpressibleByArgument {}

struct MicroGrainSizeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "grainsize",
        abstract: "Grain size number G by the planimetric and intercept methods (ASTM E112 / ISO 643).",
        discussion: """
        Each image is split into fields (--fields, default 3x2); N_A or the mean lineal intercept \
        is averaged over fields (E112 §15: mean, s, 95 % CI, %RA) and G computed from the mean, \
        with the standard's edition and constants printed. Warnings: %RA above 10, fewer than 50 \
        grains a field, fewer than 5 fields, methods that disagree by more than 0.5 G, a \
        boundary mode that does not suit the image. Boundaries are detected in etched micrographs \
        (--boundaries detect) or read from a binary boundary map (--boundaries map). Each result \
        gives ℓ̄ in µm, the mean grain area in µm², the grain-size distribution with ALA (E930) \
        and duplex (E1181) indications, and pass/fail against --spec.

        Lath and needle structures (martensite, bainite) are refused: their etched boundaries \
        are laths and packets, not prior-austenite grains. A screen decides (long detected \
        regions not aligned as rolled grains are, or a needle texture); --structure equiaxed or \
        lath overrides it. --lath-size measures the packet size instead, labelled as such.

        With --out DIR: DIR/overlays/ID-grains.png per image (boundaries, test lines and \
        circles, counted intercepts), report.html and specimens.json (all fields of a \
        specimen's images pooled: mean, s, 95 % CI, %RA).
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

    @Option(help: "Structure: auto (a screen for laths and needles decides), equiaxed, or lath.")
    var structure: GrainSizeAnalysis.StructureHint = .auto

    @Flag(help: "On martensite/bainite (refused by default), measure the packet size instead, labelled as such.")
    var lathSize = false

    @Option(help: "Specification limits on G, e.g. \"G>=7\" or \"5<=G<=8\": pass/fail per image and specimen.")
    var spec: String?

    @OptionGroup var batch: BatchFlags

    var options: MicroGrainSizeOptions {
        var o = MicroGrainSizeOptions()
        o.calibration = calibrationFlags.options
        o.boundaries = boundaries
        o.method = method
        o.standard = standard
        o.fields = fields
        o.lathSize = lathSize
        o.structure = structure
        o.spec = spec
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
        let overlays = batch.out.map { URL(fileURLWithPath: $0).appendingPathComponent("overlays") }
        try batch.runBatch(inputs, label: "grainsize", options: options, subfolders: ["overlays"],
                           finish: { outDir in try options.writeReport(to: outDir) },
                           work: { item in try MicroGrainSizeOptions.measure(item, analysis: analysis, calibration: calibration,
                                                                             overlaysDir: overlays, reader: ImageReaders.all) })
    }
}
