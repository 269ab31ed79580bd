// `reticle remote synth|train|classify` end to end on a generated scene, the protocol through
// `reticle run`, every options field a flag, and bad input failing with exit 1 naming the file.

import Foundation
import Shared
import TestSupport
import XCTest

final class RemoteCLITests: XCTestCase {
    var dir: URL!

    override func setUp() { dir = makeTemporaryDirectory("reticle-remote") }
    override func tearDown() { try? FileManager.default.removeItem(at: dir) }

    func testSynthTrainClassifyAndProtocol() throws {
        let scene = dir.appendingPathComponent("scene").path
        var r = try ReticleProcess.run(["remote", "synth", "--out", scene, "--samples", "40", "--lines", "40", "--bands", "10", "--seed", "5"])
        XCTAssertEqual(r.status, 0, r.stderr)
        let model = dir.appendingPathComponent("fusion.safetensors").path
        r = try ReticleProcess.run(["remote", "train", "--hsi", scene + "/cube.hdr", "--lidar", scene + "/lidar.las",
                                    "--labels", scene + "/labels.tif", "--model-kind", "fusion", "--out", model,
                                    "--patch", "5", "--width", "8", "--epochs", "6", "--batch-size", "32",
                                    "--learning-rate", "0.003", "--block-size", "8", "--seed", "3", "--quiet"])
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertTrue(r.stdout.contains("split: {\"protocol\":\"blocks\""), r.stdout)
        let evaluation = try XCTUnwrap(JSONValue.parse(try Data(contentsOf: URL(fileURLWithPath: dir.appendingPathComponent("fusion.evaluation.json").path))).objectValue)
        XCTAssertGreaterThan(evaluation["overall_accuracy"]?.doubleValue ?? 0, 0.85)

        let out = dir.appendingPathComponent("map").path
        r = try ReticleProcess.run(["remote", "classify", "--hsi", scene + "/cube.hdr", "--lidar", scene + "/lidar.las",
                                    "--model", model, "--out", out, "--reference", scene + "/labels.tif", "--json"])
        XCTAssertEqual(r.status, 0, r.stderr)
        let metrics = try XCTUnwrap(JSONValue.parse(try Data(contentsOf: URL(fileURLWithPath: out + "/metrics.json"))).objectValue)
        for key in ["overall_accuracy", "average_accuracy", "kappa", "per_class", "confusion"] { XCTAssertNotNil(metrics[key], key) }
        XCTAssertGreaterThan(metrics["overall_accuracy"]?.doubleValue ?? 0, 0.85)
        let confusion = try XCTUnwrap(metrics["confusion"]?.arrayValue)
        XCTAssertEqual(confusion.reduce(0) { $0 + ($1.arrayValue?.compactMap(\.intValue).reduce(0, +) ?? 0) }, 1600)
        for file in ["map.tif", "map.png", "legend.json", "report.html"] {
            XCTAssertTrue(FileManager.default.fileExists(atPath: out + "/" + file), file)
        }
        let inspected = try ReticleProcess.run(["inspect", out + "/map.tif", "--json"])
        XCTAssertTrue(inspected.stdout.contains("\"epsg\": 32616"), inspected.stdout)
        XCTAssertTrue(try String(contentsOfFile: out + "/report.html", encoding: .utf8).contains("Confusion matrix"))

        // The protocol, with the model beside it; the scene files are its inputs.
        let protocolDir = dir.appendingPathComponent("proto")
        try FileManager.default.createDirectory(at: protocolDir, withIntermediateDirectories: true)
        try FileManager.default.copyItem(at: Corpus.projectRoot.appendingPathComponent("protocols/hsi-lidar-fusion.yaml"),
                                         to: protocolDir.appendingPathComponent("p.yaml"))
        try FileManager.default.copyItem(atPath: model, toPath: protocolDir.appendingPathComponent("fusion.safetensors").path)
        let viaProtocol = dir.appendingPathComponent("via").path
        r = try ReticleProcess.run(["run", protocolDir.appendingPathComponent("p.yaml").path, scene + "/cube.hdr", scene + "/lidar.las",
                                    "--out", viaProtocol, "--quiet"])
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertTrue(FileManager.default.fileExists(atPath: viaProtocol + "/probabilities.tif"))
        XCTAssertEqual(try Data(contentsOf: URL(fileURLWithPath: viaProtocol + "/map.tif")),
                       try Data(contentsOf: URL(fileURLWithPath: out + "/map.tif")))
    }

    /// The patch-free and cross-state kinds from the command line, with an ENVI ROI export as labels.
    func testPatchFreeAndCrossStateKindsWithROILabels() throws {
        let scene = dir.appendingPathComponent("scene").path
        var r = try ReticleProcess.run(["remote", "synth", "--out", scene, "--samples", "32", "--lines", "32", "--bands", "8", "--seed", "5"])
        XCTAssertEqual(r.status, 0, r.stderr)
        // Every 5th pixel of each class as an ROI export with 1-based pixel columns.
        let labels = try RasterFileLabels.read(scene + "/labels.img", samples: 32)
        var roi = "; ENVI Output of ROIs (4.8) [Thu Mar 07 14:53:04 2013]\n; Number of ROIs: 4\n; File Dimension: 32 x 32\n;\n"
        let names = ["grass", "trees", "road", "roof"]
        let points = (1...4).map { k in labels.indices.filter { labels[$0] == k && $0 % 5 == 0 } }
        for k in 0..<4 { roi += "; ROI name: \(names[k])\n; ROI rgb value: {0, 0, 0}\n; ROI npts: \(points[k].count)\n" }
        roi += ";   ID     X     Y\n"
        for k in 0..<4 {
            roi += (k > 0 ? "\n" : "") + points[k].enumerated().map { String(format: "%6d %5d %5d\n", $0.offset + 1, $0.element % 32 + 1, $0.element / 32 + 1) }.joined()
        }
        try roi.write(toFile: dir.appendingPathComponent("train_roi.txt").path, atomically: true, encoding: .utf8)
        for (kind, extra) in [("freenet", ["--width", "8", "--epochs", "20", "--pixels-per-class", "16"]),
                              ("csf-lidar-only", ["--patch", "5", "--width", "4", "--state", "2", "--epochs", "1"])] {
            let model = dir.appendingPathComponent("\(kind).safetensors").path
            r = try ReticleProcess.run(["remote", "train", "--hsi", scene + "/cube.hdr", "--lidar", scene + "/lidar.las",
                                        "--labels", dir.appendingPathComponent("train_roi.txt").path, "--model-kind", kind, "--out", model,
                                        "--split", "per-class", "--per-class", "10", "--seed", "3", "--quiet"] + extra)
            XCTAssertEqual(r.status, 0, r.stderr)
            XCTAssertTrue(r.stdout.contains("split: {\"protocol\":\"per-class\""), r.stdout)
            let out = dir.appendingPathComponent("map-\(kind)").path
            r = try ReticleProcess.run(["remote", "classify", "--hsi", scene + "/cube.hdr", "--lidar", scene + "/lidar.las",
                                        "--model", model, "--out", out, "--reference", scene + "/labels.tif", "--quiet"])
            XCTAssertEqual(r.status, 0, r.stderr)
            let legend = try String(contentsOfFile: out + "/legend.json", encoding: .utf8)
            XCTAssertTrue(legend.contains("\"roof\""), legend)
            XCTAssertTrue(try String(contentsOfFile: out + "/report.html", encoding: .utf8).contains(kind))
        }
        r = try ReticleProcess.run(["remote", "train", "--hsi", scene + "/cube.hdr", "--labels", scene + "/labels.tif",
                                    "--model-kind", "mamba", "--out", dir.appendingPathComponent("x.safetensors").path])
        XCTAssertNotEqual(r.status, 0, r.stderr)
        XCTAssertTrue(r.stderr.contains("freenet-hsi-only"), r.stderr)
    }

    /// Class numbers of a one-band uint8 ENVI raster.
    enum RasterFileLabels {
        static func read(_ path: String, samples: Int) throws -> [Int] {
            try Data(contentsOf: URL(fileURLWithPath: path)).map(Int.init)
        }
    }

    func testEveryOptionsFieldIsAFlag() throws {
        let commands: [([String], [String])] = [
            (["remote", "synth"], ["samples", "lines", "bands", "seed"]),
            (["remote", "train"], ["hsi", "lidar", "labels", "test", "model-kind", "patch", "width", "epochs", "batch-size",
                                   "learning-rate", "split", "per-class", "block-size", "train-fraction", "pca", "bad-bands",
                                   "lidar-layers", "seed"]),
            (["remote", "classify"], ["hsi", "lidar", "model", "reference", "probabilities", "tile-lines", "batch-size"]),
        ]
        for (words, keys) in commands {
            let help = try ReticleProcess.run(words + ["--help"])
            XCTAssertEqual(help.status, 0, help.stderr)
            for key in keys { XCTAssertTrue(help.stdout.contains("--\(key)"), "\(words.joined(separator: " ")) has no --\(key)") }
        }
    }

    func testBadInputsFailNamingTheFile() throws {
        let junk = dir.appendingPathComponent("junk.tif").path
        try Data([0x49, 0x49, 42, 0, 8, 0, 0, 0, 1, 2, 3]).write(to: URL(fileURLWithPath: junk))
        let r = try ReticleProcess.run(["remote", "train", "--hsi", junk, "--labels", junk, "--model-kind", "hsi-only",
                                        "--out", dir.appendingPathComponent("m.safetensors").path, "--quiet"])
        XCTAssertEqual(r.status, 1)
        XCTAssertTrue(r.stderr.contains("junk.tif"), r.stderr)
        let missing = try ReticleProcess.run(["remote", "classify", "--hsi", junk, "--model", dir.appendingPathComponent("none.safetensors").path,
                                              "--out", dir.appendingPathComponent("o").path])
        XCTAssertEqual(missing.status, 1)
        XCTAssertTrue(missing.stderr.contains("none.safetensors"), missing.stderr)
        let usage = try ReticleProcess.run(["remote", "train", "--labels", junk, "--model-kind", "fusion", "--out", "x.safetensors"])
        XCTAssertEqual(usage.status, 1)
        XCTAssertTrue(usage.stderr.contains("needs --hsi"), usage.stderr)
    }
}
