// `reticle micro synth` end to end: a dataset with manifest and calibrated TIFFs, the same
// bytes for the same command, the folder layout with burned-in scale bars, and usage errors
// that exit 1 and write nothing.

import Foundation
import Shared
import TestSupport
import XCTest

final class MicroSynthCLITests: XCTestCase {
    var dir: URL!

    override func setUp() { dir = makeTemporaryDirectory("reticle-synth-cli") }
    override func tearDown() { try? FileManager.default.removeItem(at: dir) }

    func synth(_ out: URL, _ args: [String]) throws -> ProcessResult {
        try ReticleProcess.run(["micro", "synth", "--out", out.path] + args)
    }

    func testWritesTheSameDatasetForTheSameCommand() throws {
        let args = ["--specimens", "3", "--images-per-specimen", "2", "--size", "64x48", "--um-per-px", "0.5",
                    "--types", "martensite,lower-bainite,upper-bainite", "--classes", "3"]
        let a = dir.appendingPathComponent("a"), b = dir.appendingPathComponent("b")
        let r = try synth(a, args + ["--seed", "5"])
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertTrue(r.stderr.contains("6 images of 3 specimens"), r.stderr)
        XCTAssertEqual(try synth(b, args + ["--seed", "5", "--quiet", "--threads", "1"]).status, 0)

        let manifest = try String(contentsOf: a.appendingPathComponent("manifest.csv"), encoding: .utf8)
        let lines = manifest.split(separator: "\n")
        XCTAssertEqual(lines.first, "image,specimen,type,needle_class,um_per_px,needle_length_um")
        XCTAssertEqual(lines.count, 7)
        XCTAssertTrue(lines[1].hasPrefix("images/s0001-01.tif,s0001,martensite,1,0.5,"), String(lines[1]))
        XCTAssertTrue(lines[3].hasPrefix("images/s0002-01.tif,s0002,lower-bainite,1,0.5,"), String(lines[3]))
        XCTAssertEqual(manifest, try String(contentsOf: b.appendingPathComponent("manifest.csv"), encoding: .utf8))
        for f in ["images/s0001-01.tif", "images/s0003-02.tif", "truth.jsonl"] {
            XCTAssertEqual(try Data(contentsOf: a.appendingPathComponent(f)), try Data(contentsOf: b.appendingPathComponent(f)), f)
        }
        let image = try ImageFile.read(path: a.appendingPathComponent("images/s0002-02.tif").path)
        XCTAssertEqual(image.width, 64)
        XCTAssertEqual(image.calibration?.umPerPixel ?? 0, 0.5, accuracy: 1e-6)

        // The same folder again: refused without --force, replaced with it.
        let again = try synth(a, args + ["--seed", "5"])
        XCTAssertEqual(again.status, 1)
        XCTAssertTrue(again.stderr.contains("--force"), again.stderr)
        XCTAssertEqual(try synth(a, args + ["--force", "--quiet", "--seed", "6"]).status, 0)
        XCTAssertNotEqual(try Data(contentsOf: a.appendingPathComponent("images/s0001-01.tif")),
                          try Data(contentsOf: b.appendingPathComponent("images/s0001-01.tif")))
    }

    func testFolderLayoutWithScaleBars() throws {
        let out = dir.appendingPathComponent("folders")
        let r = try synth(out, ["--specimens", "2", "--images-per-specimen", "1", "--size", "128x96", "--types", "upper-bainite,equiaxed",
                                "--layout", "folders", "--scale-bar-um", "20", "--scale-bar-polarity", "dark", "--quiet"])
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertTrue(FileManager.default.fileExists(atPath: out.appendingPathComponent("upper-bainite/s0001-01.tif").path))
        XCTAssertTrue(FileManager.default.fileExists(atPath: out.appendingPathComponent("equiaxed/s0002-01.tif").path))
        let truth = try String(contentsOf: out.appendingPathComponent("truth.jsonl"), encoding: .utf8).split(separator: "\n")
        let first = try JSONValue.parse(String(truth[0]))
        XCTAssertEqual(first["scale_bar"]?["length_px"]?.doubleValue, 40)
        XCTAssertEqual(first["scale_bar"]?["polarity"], "dark")
        XCTAssertEqual(first["type"], "upper-bainite")
    }

    func testUsageErrorsExitOneAndWriteNothing() throws {
        let out = dir.appendingPathComponent("bad")
        let cases: [([String], String)] = [
            (["--types", "martensite,pearlite"], "pearlite"),
            (["--size", "10x10"], "--size"),
            (["--specimens", "0"], "--specimens"),
            (["--um-per-px", "3"], "finer scale"),
            (["--size", "64x64", "--scale-bar-um", "50"], "scale bar"),
            (["--layout", "zip"], "layout"),
        ]
        for (args, needle) in cases {
            let r = try synth(out, args + ["--quiet"])
            XCTAssertEqual(r.status, 1, "\(args): \(r.stderr)")
            XCTAssertTrue(r.stderr.contains(needle), "\(args): \(r.stderr)")
            XCTAssertFalse(FileManager.default.fileExists(atPath: out.appendingPathComponent("manifest.csv").path), "\(args)")
        }
        XCTAssertEqual(try ReticleProcess.run(["micro", "synth"]).status, 1, "--out is required")
    }
}
