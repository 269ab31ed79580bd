// `reticle micro synth --out DIR`: generates a labelled set of steel micrographs (martensite,
// lower/upper bainite, mixed, equiaxed) with known needle-length class and grain size.
import ArgumentParser
import Foundation
import Microstructure
import Shared

extension SyntheticDataset.Layout: ExpressibleByArgument {}
extension ScaleBar.Polarity: ExpressibleByArgument {}
extension MicroSynthOptions.Style: ExpressibleByArgument {}

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
    var specimens = MicroSynthOptions().specimens

    @Option(help: "Images (fields) per specimen.")
    var imagesPerSpecimen = MicroSynthOptions().imagesPerSpecimen

    @Option(help: "Image size as WIDTHxHEIGHT in px.")
    var size = MicroSynthOptions().size

    @Option(help: "Pixel size in µm.")
    var umPerPx = MicroSynthOptions().umPerPx

    @Option(help: "Comma-separated types: \(MicrostructureType.allCases.map(\.rawValue).joined(separator: ", ")).")
    var types = MicroSynthOptions().types

    @Option(help: "Number of needle-length classes.")
    var classes = MicroSynthOptions().classes

    @Option(name: .customLong("class1-um"), help: "Lower end of needle-length class 1 in µm; each class doubles it.")
    var class1Um = MicroSynthOptions().class1Um

    @Option(help: "Burn in a scale bar of this length in µm (bottom right, labelled).")
    var scaleBarUm: Double?

    @Option(help: "Scale bar colour: light (white) or dark (black).")
    var scaleBarPolarity = MicroSynthOptions().scaleBarPolarity

    @Option(help: "Brightness change across the field from uneven illumination (fraction).")
    var illumination = MicroSynthOptions().illumination

    @Option(help: "Optical blur (Gaussian σ) in µm.")
    var blurUm = MicroSynthOptions().blurUm

    @Option(help: "Sensor noise σ in grey levels.")
    var noise = MicroSynthOptions().noise

    @Option(help: "Laboratory look: reference, or other-lab (deeper etch, other tone curve, stronger illumination gradient, softer focus, noisier camera; same structures for the same seed).")
    var style = MicroSynthOptions().style

    @Option(help: "Random seed; the same seed and options give the same files.")
    var seed = MicroSynthOptions().seed

    @Option(help: "manifest: images/ plus manifest.csv; folders: one folder per type (manifest.csv too).")
    var layout = MicroSynthOptions().layout

    @Option(help: "Images generated at once (default: one per core).")
    var threads: Int = 0

    @Flag(help: "Replace a dataset already in --out.")
    var force = false

    @Flag(help: "No progress output.")
    var quiet = false

    var options: MicroSynthOptions {
        var o = MicroSynthOptions()
        o.specimens = specimens
        o.imagesPerSpecimen = imagesPerSpecimen
        o.size = size
        o.umPerPx = umPerPx
        o.types = types
        o.classes = classes
        o.class1Um = class1Um
        o.scaleBarUm = scaleBarUm
        o.scaleBarPolarity = scaleBarPolarity
        o.illumination = illumination
        o.blurUm = blurUm
        o.noise = noise
        o.seed = seed
        o.layout = layout
        o.style = style
        return o
    }

    func validate() throws {
        try usage { try options.validate() }
        if threads < 0 { throw ValidationError("--threads must be ≥ 0") }
    }

    func run() throws {
        let dataset: SyntheticDataset
        do {
            dataset = try options.dataset()
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
