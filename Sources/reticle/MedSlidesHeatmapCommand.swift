// `reticle med heatmap DIR`: redraws the heatmaps of a finished `med slides` run from its
// stored tile scores (tiles.csv) and thumbnails, for another class or opacity, or the tiles' MIL
// attention (--attention); no model needed.
import ArgumentParser
import Foundation
import Medical
import Shared

struct MedSlidesHeatmapCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "heatmap",
        abstract: "Re-render slide heatmaps from a med slides output folder's stored tile scores.")

    @Argument(help: "Output folder of a med slides run.")
    var dir: String

    @Option(name: .customLong("class"), help: "Class to show (default: the class the run showed).")
    var className: String?

    @Flag(help: "Redraw attention.png from the tiles' MIL attention weights (runs made with --mil).")
    var attention = false

    @Option(help: "Heatmap opacity over the thumbnail, 0–1.")
    var opacity: Float = 0.5

    func validate() throws {
        guard !(attention && className != nil) else { throw ValidationError("--attention and --class exclude each other") }
        guard opacity.isFinite, (0...1).contains(opacity) else { throw ValidationError("--opacity must be between 0 and 1") }
    }

    func run() throws {
        do {
            let n = try SlideOutputs.rerenderHeatmaps(outDir: URL(fileURLWithPath: dir), className: className, opacity: opacity, attention: attention)
            print("redrew \(n) \(attention ? "attention map" : "heatmap")(s) in \(dir)/slides")
        } catch { throw fail(error) }
    }
}
