// `reticle med synth-slide OUT.tif` (or `--format dicom OUT_DIR`): a generated H&E-like pyramidal
// slide with known tissue and tumour rectangles, for demos, tests and benchmarks without downloads.
import ArgumentParser
import Foundation
import Medical
import Shared

struct MedSlidesSynthCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "synth-slide",
        abstract: "Write a generated pyramidal slide, TIFF or DICOM (glass, normal tissue, a tumour rectangle, a pen stroke).",
        discussion: """
        Level 0 is --width × --height at 0.5 µm/px (TIFF resolution tags), tissue the central rectangle \
        inset by an eighth of each side, the tumour its left 7/12 (none with --no-tumour), a green pen \
        stroke on the glass above it. Same --seed, same pixels. With --format dicom, OUT is a folder \
        that receives a DICOM whole-slide image: level-<i>.dcm per level (TILED_FULL, or TILED_SPARSE \
        without the glass tiles) and thumbnail.dcm.
        """)

    @Argument(help: "Slide to write (.tif), or a folder with --format dicom.")
    var out: String

    @Option(help: "tiff or dicom.")
    var format = "tiff"

    @Option(help: "DICOM tile layout: full (TILED_FULL) or sparse (TILED_SPARSE, glass tiles left out).")
    var tiling = "full"

    @Option(help: "DICOM frames: 0 uncompressed, 1–100 JPEG baseline at that quality.")
    var jpegQuality = 0

    @Flag(help: "Write a JPEG BigTIFF tile by tile (procedural texture), for slides larger than memory (up to 200000 px a side).")
    var streamed = false

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
        let side = streamed ? 200_000 : 16384
        guard (256...side).contains(width), (256...side).contains(height) else {
            throw ValidationError("--width and --height must be 256–\(side)\(streamed ? "" : " (larger with --streamed)")")
        }
        guard !streamed || format == "tiff" else { throw ValidationError("--streamed writes TIFF only") }
        guard (1...8).contains(levels) else { throw ValidationError("--levels must be 1–8") }
        guard ["tiff", "dicom"].contains(format) else { throw ValidationError("--format must be tiff or dicom") }
        guard DicomSlideWriter.Tiling(rawValue: tiling) != nil else { throw ValidationError("--tiling must be full or sparse") }
        guard (0...100).contains(jpegQuality) else { throw ValidationError("--jpeg-quality must be 0–100") }
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
        do {
            if format == "dicom" {
                try s.writeDICOM(to: out, tiling: DicomSlideWriter.Tiling(rawValue: tiling)!, jpegQuality: jpegQuality)
            } else if streamed {
                s.tileSize = 256
                try s.writeStreamed(to: out)
            } else {
                try s.write(to: out)
            }
        } catch { throw fail(error) }
        print("wrote \(out): \(width) × \(height) px, \(levels) levels, tissue \(s.tissue), tumour \(s.tumour.map { "\($0)" } ?? "none")")
    }
}
