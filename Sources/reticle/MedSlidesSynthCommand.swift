// `reticle med synth-slide OUT.tif`: a generated H&E-like pyramidal TIFF slide with known tissue
// and tumour rectangles, for demos, tests and benchmarks without downloads.
import ArgumentParser
import Foundation
import Medical
import Shared

struct MedSlidesSynthCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "synth-slide",
        abstract: "Write a generated pyramidal TIFF slide (glass, normal tissue, a tumour rectangle, a pen stroke).",
        discussion: """
        Level 0 is --width × --height at 0.5 µm/px (TIFF resolution tags), tissue the central rectangle \
        inset by an eighth of each side, the tumour its left 7/12 (none with --no-tumour), a green pen \
        stroke on the glass above it. Same --seed, same bytes.
        """)

    @Argument(help: "Slide to write (.tif).")
    var out: String

    @Option(help: "Level-0 width in pixels.")
    var width = 2048

    @Option(help: "Level-0 height in pixels.")
    var height = 1536

    @Option(help: "Pyramid levels (each half the previous).")
    var levels = 3

    @Flag(help: "No tumour region.")
    var noTumour = false

    @Option(help: "Seed of the texture.")
    var seed: UInt64 = 1

    func validate() throws {
        guard (256...16384).contains(width), (256...16384).contains(height) else { throw ValidationError("--width and --height must be 256–16384") }
        guard (1...8).contains(levels) else { throw ValidationError("--levels must be 1–8") }
    }

    func run() throws {
        var s = SyntheticSlide()
        s.width = width
        s.height = height
        s.levels = levels
        s.seed = seed
        s.tissue = (x: width / 8, y: height / 6, width: width * 3 / 4, height: height * 2 / 3)
        s.tumour = noTumour ? nil : (x: s.tissue.x, y: s.tissue.y, width: s.tissue.width * 7 / 12, height: s.tissue.height)
        s.penRow = height / 12
        do { try s.write(to: out) } catch { throw fail(error) }
        print("wrote \(out): \(width) × \(height) px, \(levels) levels, tissue \(s.tissue), tumour \(s.tumour.map { "\($0)" } ?? "none")")
    }
}
