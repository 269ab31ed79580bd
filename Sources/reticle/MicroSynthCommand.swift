// `reticle micro synth --out DIR`: generates a labelled set of steel micrographs (martensite,
// lower/upper bainite, mixed, equiaxed) with known needle-length class and grain size.
import ArgumentParser
import Foundation
import Microstructure
import Shared

extension SyntheticDataset.Layout: ExpressibleByArgument {}
extension ScaleBar.Polarity: ExpressibleByArgument {}

struct MicroSynthCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "synth",
        abstract: "Generate labelled micrographs of known type, needle-length class and grain size.",
        discussion: """
        Writes N specimens × M images each, balanced over types × needle-length classes, as \
        calibrated 8-bit TIFFs, with manifest.csv (image,specimen,type,needle_class,um_per_px,\
        needle_length_um), truth.jsonl (full truth per image: mean needle length, prior-austenite \
        or equiaxed grain size, scale bar) and dataset.json. Images of one specimen share type, \
        class and structure parameters and differ in field. The same command writes the same bytes.

        Needle-length classes are a house scale in the style of ISO 643 comparison charts (class k: \
        mean needle length from a·2^(k−1) to a·2^k µm, a = --class1-um), not ISO 643 G numbers. \
        Equiaxed images have no needle class; their grain size comes from the same scale.

        Exit status: 0 dataset written, 1 usage or setup error.
        """)

    @Option(help: "Dataset folder (created if needed).")
    var out: String

    @Option(help: "Number of specimens.")
    var specimens: Int = 20

    @Option(help: "Images (fields) per specimen.")
    var imagesPerSpecimen: Int = 4

    @Option(help: "Image size as WIDTHxHEIGHT in px.")
    var size: String = "512x512"

    @Option(help: "Pixel size in µm.")
    var umPerPx: Double = 0.5

    @Option(help: "Comma-separated types: \(MicrostructureType.allCases.map(\.rawValue).joined(separator: ", ")).")
    var types: String = MicrostructureType.defaultDatasetTypes.map(\.rawValue).joined(separator: ",")

    @Option(help: "Number of needle-length classes.")
    var classes: Int = 5

    @Option(name: .customLong("class1-um"), help: "Lower end of needle-length class 1 in µm; each class doubles it.")
    var class1Um: Double = 2

    @Option(help: "Burn in a scale bar of this length in µm (bottom right, labelled).")
    var scaleBarUm: Double?

    @Option(help: "Scale bar colour: light (white) or dark (black).")
    var scaleBarPolarity: ScaleBar.Polarity = .light

    @Option(help: "Brightness change across the field from uneven illumination (fraction).")
    var illumination: Double = 0.12

    @Option(help: "Optical blur (Gaussian σ) in µm.")
    var blurUm: Double = 0.3

    @Option(help: "Sensor noise σ in grey levels.")
    var noise: Double = 3

    @Option(help: "Random seed; the same seed and options give the same files.")
    var seed: UInt64 = 1

    @Option(help: "manifest: images/ plus manifest.csv; folders: one folder per type (manifest.csv too).")
    var layout: SyntheticDataset.Layout = .manifest

    @Option(help: "Images generated at once (default: one per core).")
    var threads: Int = 0

    @Flag(help: "Replace a dataset already in --out.")
    var force = false

    @Flag(help: "No progress output.")
    var quiet = false

    func validate() throws {
        if specimens < 1 { throw ValidationError("--specimens must be at least 1") }
        if imagesPerSpecimen < 1 { throw ValidationError("--images-per-specimen must be at least 1") }
        if !(umPerPx.isFinite && umPerPx > 0) { throw ValidationError("--um-per-px must be a positive number of µm") }
        if !(1...12).contains(classes) { throw ValidationError("--classes must be 1…12") }
        if !(class1Um.isFinite && class1Um > 0) { throw ValidationError("--class1-um must be a positive number of µm") }
        if let l = scaleBarUm, !(l.isFinite && l > 0) { throw ValidationError("--scale-bar-um must be a positive number of µm") }
        if threads < 0 { throw ValidationError("--threads must be ≥ 0") }
        _ = try parseSize()
        do { _ = try MicrostructureType.parseList(types) } catch { throw ValidationError("--types: \(error.localizedDescription)") }
    }

    func parseSize() throws -> (Int, Int) {
        let p = size.lowercased().split(separator: "x").compactMap { Int($0) }
        guard p.count == 2, p[0] >= 16, p[1] >= 16 else { throw ValidationError("--size wants WIDTHxHEIGHT of at least 16x16, e.g. 512x512") }
        return (p[0], p[1])
    }

    func run() throws {
        let dataset: SyntheticDataset
        do {
            let (w, h) = try parseSize()
            let synthesizer = MicrographSynthesizer(
                scale: NeedleLengthScale(classCount: classes, class1MinimumUM: class1Um),
                optics: MicroscopeOptics(illuminationGradient: illumination, blurUM: blurUm, noiseSigma: noise),
                scaleBar: scaleBarUm.map { BurnedInScaleBar(lengthUM: $0, polarity: scaleBarPolarity) })
            dataset = SyntheticDataset(specimens: specimens, imagesPerSpecimen: imagesPerSpecimen, width: w, height: h,
                                       umPerPixel: umPerPx, types: try MicrostructureType.parseList(types),
                                       synthesizer: synthesizer, seed: seed, layout: layout)
            try dataset.validate()
        } catch {
            throw fail(error)
        }
        let total = specimens * imagesPerSpecimen
        let progress = ProgressReporter(label: "synth", total: total, mode: .automatic(quiet: quiet))
        do {
            applyComputeThreads(threads)
            try dataset.write(to: URL(fileURLWithPath: out), force: force, threads: threads, progress: progress)
        } catch {
            throw fail(error)
        }
        if !quiet {
            FileHandle.standardError.write(Data("synth: \(total) images of \(specimens) specimens written to \(out)\n".utf8))
        }
    }
}
