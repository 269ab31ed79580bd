// `reticle micro calibrate` end to end: generated micrographs with burned-in bars, TIFF tags,
// instrument profiles, error rows and usage errors.

import Foundation
import Microstructure
import Shared
import TestSupport
import XCTest

final class MicroCalibrateCLITests: XCTestCase {
    var dir: URL!

    override func setUp() { dir = makeTemporaryDirectory("reticle-calibrate") }
    override func tearDown() { try? FileManager.default.removeItem(at: dir) }

    /// A 480×360 generated micrograph (no calibration), optionally with a white 125 px bar
    /// (50 µm at 0.4 µm/px) and a blocky label in the bottom right.
    func micrograph(seed: UInt64, bar: Bool) -> Image {
        let structure = VoronoiStructure(width: 480, height: 360, meanGrainAreaPx: 250, seed: seed)
        var image = MicrographRenderer().render(structure.map, seed: seed)
        image.calibration = nil
        guard bar, case .uint8(var p) = image.storage else { return image }
        func fill(_ x: Int, _ y: Int, _ w: Int, _ h: Int) {
            for yy in y..<(y + h) { for xx in x..<(x + w) { p[yy * 480 + xx] = 255 } }
        }
        fill(320, 330, 125, 5)
        for (i, (x, w)) in [(330, 10), (344, 10), (362, 12), (378, 14)].enumerated() {
            fill(x, 306 + (i > 1 ? 6 : 0), w, 3)
            fill(x, 306 + (i > 1 ? 6 : 0), 3, i > 1 ? 12 : 18)
        }
        image.storage = .uint8(p)
        return image
    }

    /// bar.png (bar only), tagged.tif (bar and 0.25 µm/px TIFF tags), plain.png (neither), notes.txt.
    func makeFolder() throws -> URL {
        let lab = dir.appendingPathComponent("lab")
        try FileManager.default.createDirectory(at: lab, withIntermediateDirectories: true)
        try ImageFile.write(micrograph(seed: 1, bar: true), to: lab.appendingPathComponent("bar.png").path)
        var tagged = micrograph(seed: 2, bar: true)
        tagged.calibration = Calibration(umPerPixel: 0.25, source: .flag)
        try ImageFile.write(tagged, to: lab.appendingPathComponent("tagged.tif").path)
        try ImageFile.write(micrograph(seed: 3, bar: false), to: lab.appendingPathComponent("plain.png").path)
        try Data("not an image\n".utf8).write(to: lab.appendingPathComponent("notes.txt"))
        return lab
    }


    func testScaleBarTagsAndErrorRows() throws {
        let lab = try makeFolder()
        let r = try ReticleProcess.run(["micro", "calibrate", lab.path, "--scale-bar-um", "50", "--json"])
        XCTAssertEqual(r.status, 2, "a file fails → 2; stderr: \(r.stderr)")
        let byFile = try rowsByFile(r.stdout)
        XCTAssertEqual(byFile.keys.sorted(), ["lab/bar.png", "lab/plain.png", "lab/tagged.tif"], "notes.txt is skipped, not a row")

        let bar = try XCTUnwrap(byFile["lab/bar.png"])
        XCTAssertEqual(bar["status"], "ok")
        XCTAssertEqual(bar["source"], "scale-bar")
        XCTAssertEqual(bar["um_per_px"]?.doubleValue ?? 0, 0.4, accuracy: 0.004, "within 1 %")
        XCTAssertEqual(bar["scale_bar"]?["x"]?.intValue, 320)
        XCTAssertEqual(bar["scale_bar"]?["y"]?.intValue, 330)
        XCTAssertEqual(bar["scale_bar"]?["length_px"]?.doubleValue ?? 0, 125, accuracy: 0.5)
        XCTAssertEqual(bar["scale_bar"]?["length_um"]?.doubleValue, 50)
        let mask = try XCTUnwrap(bar["scale_bar"]?["mask"]?.objectValue)
        XCTAssertLessThanOrEqual(mask["x"]?.intValue ?? 999, 320)
        XCTAssertGreaterThanOrEqual((mask["x"]?.intValue ?? 0) + (mask["width"]?.intValue ?? 0), 445)
        XCTAssertLessThanOrEqual(mask["y"]?.intValue ?? 999, 306, "mask reaches up over the label")
        XCTAssertEqual(bar["warnings"]?.arrayValue, [])

        let tagged = try XCTUnwrap(byFile["lab/tagged.tif"])
        XCTAssertEqual(tagged["source"], "tiff-resolution")
        XCTAssertEqual(tagged["um_per_px"]?.doubleValue ?? 0, 0.25, accuracy: 1e-6)
        let warning = tagged["warnings"]?.arrayValue?.first?.stringValue ?? ""
        XCTAssertTrue(warning.hasPrefix("scale-bar says 0.4") || warning.hasPrefix("scale-bar says 0.39"), warning)
        XCTAssertTrue(warning.contains("from the tiff-resolution figure 0.25 µm/px that is used"), warning)

        let plain = try XCTUnwrap(byFile["lab/plain.png"])
        XCTAssertEqual(plain["status"], "error")
        XCTAssertEqual(plain["error"]?.stringValue,
                       "lab/plain.png: no µm/px: give --um-per-px, an instrument profile, or --scale-bar-um for the burned-in bar (the file has no resolution tags and no scale bar was found)")
        XCTAssertTrue(r.stderr.contains("calibrate: skipped 1 file(s) not of a format Reticle reads: lab/notes.txt"), r.stderr)
    }

    func testFlagBeatsEverythingAndPlainTextNamesTheSource() throws {
        let lab = try makeFolder()
        let r = try ReticleProcess.run(["micro", "calibrate", lab.path, "--um-per-px", "0.4", "--exclude", "*.txt", "--quiet"])
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertTrue(r.stdout.contains("lab/plain.png\n  width: 480\n  height: 360\n  um_per_px: 0.4\n  source: flag\n  detail: --um-per-px 0.4\n"), r.stdout)
        XCTAssertTrue(r.stdout.contains("tiff-resolution says 0.25 µm/px"), "the tags disagree with the flag: \(r.stdout)")
    }

    func testInstrumentProfile() throws {
        let lab = try makeFolder()
        let profile = dir.appendingPathComponent("lab.yaml")
        try """
        # Lab microscopes: objective → µm/px
        scale_bar_um: 50
        microscopes:
          axio:
            objectives:
              10x: 1.0
              50x: {um_per_px: 0.4}
          stereo: {um_per_px: 2.5}
        """.write(to: profile, atomically: true, encoding: .utf8)
        let image = lab.appendingPathComponent("bar.png").path
        let r = try ReticleProcess.run(["micro", "calibrate", image, "--profile", profile.path,
                                        "--microscope", "axio", "--objective", "50x", "--json"])
        XCTAssertEqual(r.status, 0, r.stderr)
        let row = try XCTUnwrap(rowsByFile(r.stdout)["bar.png"])
        XCTAssertEqual(row["source"], "instrument-profile")
        XCTAssertEqual(row["detail"], "lab.yaml: microscope axio, objective 50x")
        XCTAssertEqual(row["um_per_px"]?.doubleValue, 0.4)
        XCTAssertEqual(row["scale_bar"]?["length_um"]?.doubleValue, 50, "bar length from the profile")
        XCTAssertEqual(row["warnings"]?.arrayValue, [], "bar and profile agree")

        let wrong = try ReticleProcess.run(["micro", "calibrate", image, "--profile", profile.path,
                                            "--microscope", "axio", "--objective", "20x"])
        XCTAssertEqual(wrong.status, 1, "setup error → 1")
        XCTAssertTrue(wrong.stderr.contains("lab.yaml: microscope 'axio' has no objective '20x' (it has 10x, 50x)"), wrong.stderr)

        let broken = dir.appendingPathComponent("broken.yaml")
        try "axio: [unclosed\n".write(to: broken, atomically: true, encoding: .utf8)
        let bad = try ReticleProcess.run(["micro", "calibrate", image, "--profile", broken.path])
        XCTAssertEqual(bad.status, 1)
        XCTAssertTrue(bad.stderr.contains("broken.yaml: not valid YAML"), bad.stderr)

        let missingKey = dir.appendingPathComponent("nokey.yaml")
        try "axio:\n  50x: {scale_bar_um: 20}\n".write(to: missingKey, atomically: true, encoding: .utf8)
        let nokey = try ReticleProcess.run(["micro", "calibrate", image, "--profile", missingKey.path])
        XCTAssertEqual(nokey.status, 1)
        XCTAssertTrue(nokey.stderr.contains("nokey.yaml: axio.50x: missing key um_per_px"), nokey.stderr)
    }

    func testOutputFolderAndUsageErrors() throws {
        let lab = try makeFolder()
        let out = dir.appendingPathComponent("out")
        let r = try ReticleProcess.run(["micro", "calibrate", lab.path, "--scale-bar-um", "50", "--out", out.path, "--quiet"])
        XCTAssertEqual(r.status, 2)
        let csv = try String(contentsOf: out.appendingPathComponent("results.csv"), encoding: .utf8)
        let header = csv.split(separator: "\n").first.map(String.init) ?? ""
        for column in ["um_per_px", "source", "detail", "scale_bar.x", "scale_bar.length_px", "scale_bar.mask.width", "warnings"] {
            XCTAssertTrue(header.split(separator: ",").contains(Substring(column)), "\(column) in \(header)")
        }

        let noProfile = try ReticleProcess.run(["micro", "calibrate", lab.path, "--microscope", "axio"])
        XCTAssertEqual(noProfile.status, 1)
        XCTAssertTrue(noProfile.stderr.contains("--microscope and --objective need --profile"), noProfile.stderr)
        let negative = try ReticleProcess.run(["micro", "calibrate", lab.path, "--um-per-px", "-1"])
        XCTAssertEqual(negative.status, 1)
        let help = try ReticleProcess.run(["micro", "calibrate", "--help"])
        XCTAssertTrue(help.stdout.contains("--scale-bar-um"), help.stdout)
    }
}
