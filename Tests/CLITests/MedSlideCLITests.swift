// End to end through the binary: generate slides, train a tile model from labelled regions,
// classify an archive holding a corrupted tile, a slide with no scale and (from the corpus) an
// unreadable slide; error rows, a flagged result, resume that redoes nothing, shards, heatmap
// re-rendering without the model, and the wsi-classification protocol.

import Foundation
import Medical
import Shared
import TestSupport
import XCTest

final class MedSlideCLITests: XCTestCase {
    func rows(_ out: URL) throws -> [String: JSONValue] {
        var byFile: [String: JSONValue] = [:]
        for line in try String(contentsOf: out.appendingPathComponent("results.jsonl"), encoding: .utf8).split(separator: "\n") {
            let row = try JSONValue.parse(String(line))
            byFile[((row["file"]?.stringValue ?? "") as NSString).lastPathComponent] = row
        }
        return byFile
    }

    func finishedAt(_ out: URL) throws -> [String: String] {
        var m: [String: String] = [:]
        for f in try FileManager.default.contentsOfDirectory(atPath: out.appendingPathComponent("items").path) where f.hasSuffix(".json") {
            let v = try JSONValue.parse(try Data(contentsOf: out.appendingPathComponent("items/" + f)))
            m[f] = v["finished_at"]?.stringValue ?? ""
        }
        return m
    }

    func testTrainThenClassifyAnArchive() throws {
        let dir = makeTemporaryDirectory("med-slides")
        let archive = dir.appendingPathComponent("archive")
        try FileManager.default.createDirectory(at: archive, withIntermediateDirectories: true)
        let train = dir.appendingPathComponent("train.tif").path
        XCTAssertEqual(try ReticleProcess.run(["med", "synth-slide", train, "--seed", "1"]).status, 0)
        let synth = try ReticleProcess.run(["med", "synth-slide", archive.appendingPathComponent("b-clean.tif").path, "--seed", "3", "--no-tumour"])
        XCTAssertEqual(synth.status, 0, synth.stderr)
        var csv = "slide,x,y,width,height,label\n"
        for band in 0..<4 {
            csv += "train.tif,256,\(256 + 256 * band),896,256,tumour\ntrain.tif,1152,\(256 + 256 * band),640,256,normal\n"
        }
        try csv.write(to: dir.appendingPathComponent("regions.csv"), atomically: true, encoding: .utf8)
        let model = dir.appendingPathComponent("tiles.safetensors").path
        let t = try ReticleProcess.run(["med", "train-tiles", dir.appendingPathComponent("regions.csv").path, "--out", model,
                                        "--tile-size", "32", "--um-per-px", "1", "--widths", "8,16,32", "--epochs", "6",
                                        "--learning-rate", "0.005", "--validation-fraction", "0.25", "--stain", "reinhard",
                                        "--stain-reference", train, "--quiet"])
        XCTAssertEqual(t.status, 0, t.stderr)
        XCTAssertTrue(t.stdout.contains("validation accuracy"), t.stdout)
        let inspect = try ModelFile.inspect(URL(fileURLWithPath: model))
        XCTAssertEqual(inspect["manifest"]?["provenance"]?["slide"]?["stain_normalizer"]?["method"], "reinhard")

        // The archive: the training slide (tumour), a tumour-free one, one with a corrupted tile, one with no scale.
        try FileManager.default.copyItem(atPath: train, toPath: archive.appendingPathComponent("a-tumour.tif").path)
        try FileManager.default.copyItem(atPath: train, toPath: archive.appendingPathComponent("c-corrupt.tif").path)
        try SlideTestTIFF.corruptTile(path: archive.appendingPathComponent("c-corrupt.tif").path, page: 1, tile: 19)
        var unscaled = SyntheticSlide()
        unscaled.resolutionTags = false
        try unscaled.write(to: archive.appendingPathComponent("d-unscaled.tif").path)
        var inputs = [archive.path]
        if let unreadable = Corpus.path("wsi/unreadable.svs") { inputs.append(unreadable) }

        let out = dir.appendingPathComponent("out")
        let run = try ReticleProcess.run(["med", "slides"] + inputs + ["--model", model, "--out", out.path, "--quiet"])
        XCTAssertEqual(run.status, 2, run.stderr)
        let r = try rows(out)
        XCTAssertEqual(r["a-tumour.tif"]?["status"], "ok")
        XCTAssertEqual(r["a-tumour.tif"]?["result"]?["label"], "tumour")
        XCTAssertEqual(r["a-tumour.tif"]?["result"]?["stain_method"], "reinhard")
        XCTAssertEqual(r["b-clean.tif"]?["result"]?["label"], "normal")
        XCTAssertEqual(r["c-corrupt.tif"]?["status"], "ok")
        XCTAssertEqual(r["c-corrupt.tif"]?["result"]?["flags"], ["corrupt-tiles"])
        XCTAssertGreaterThan(r["c-corrupt.tif"]?["result"]?["tiles_skipped"]?.doubleValue ?? 0, 0)
        XCTAssertEqual(r["d-unscaled.tif"]?["status"], "error")
        XCTAssertTrue(r["d-unscaled.tif"]?["error"]?.stringValue?.contains("--mpp") ?? false)
        if inputs.count > 1 {
            XCTAssertEqual(r["unreadable.svs"]?["status"], "error")
            XCTAssertTrue(r["unreadable.svs"]?["error"]?.stringValue?.contains("unreadable.svs") ?? false)
        }
        let csvText = try String(contentsOf: out.appendingPathComponent("results.csv"), encoding: .utf8)
        XCTAssertTrue(csvText.contains("tissue_area_mm2"))
        let tumourID = try XCTUnwrap(r["a-tumour.tif"]?["id"]?.stringValue)
        for f in ["tiles.csv", "tiles.geojson", "thumbnail.png", "tissue.png", "heatmap.png"] {
            XCTAssertTrue(FileManager.default.fileExists(atPath: out.appendingPathComponent("slides/\(tumourID)/" + f).path), f)
        }

        // Rerun: finished slides are not redone; a removed item (a run killed before it) is redone alone.
        func item(_ name: String) -> String { (r[name]?["id"]?.stringValue ?? "?") + ".json" }
        let before = try finishedAt(out)
        XCTAssertEqual(before.count, inputs.count > 1 ? 5 : 4)
        try FileManager.default.removeItem(at: out.appendingPathComponent("items/" + item("b-clean.tif")))
        let again = try ReticleProcess.run(["med", "slides"] + inputs + ["--model", model, "--out", out.path, "--quiet"])
        XCTAssertEqual(again.status, 2)
        let after = try finishedAt(out)
        XCTAssertEqual(after[item("a-tumour.tif")], before[item("a-tumour.tif")])
        XCTAssertEqual(after[item("c-corrupt.tif")], before[item("c-corrupt.tif")])
        XCTAssertNotNil(after[item("b-clean.tif")])
        XCTAssertEqual(try rows(out)["b-clean.tif"]?["result"]?["label"], "normal")

        // Heatmap re-rendered for the other class from tiles.csv, without the model.
        let heatmap = out.appendingPathComponent("slides/\(tumourID)/heatmap.png").path
        let tumourMap = try ImageFile.read(path: heatmap)
        try FileManager.default.removeItem(atPath: model)
        let redraw = try ReticleProcess.run(["med", "heatmap", out.path, "--class", "normal"])
        XCTAssertEqual(redraw.status, 0, redraw.stderr)
        XCTAssertTrue(redraw.stdout.contains("redrew 3 heatmap(s)"), redraw.stdout)
        let normalMap = try ImageFile.read(path: heatmap)
        // Over the tumour (thumbnail pixel 100, 96): red before, blue now.
        XCTAssertGreaterThan(tumourMap.sample(x: 100, y: 96, channel: 0), tumourMap.sample(x: 100, y: 96, channel: 2))
        XCTAssertLessThan(normalMap.sample(x: 100, y: 96, channel: 0), normalMap.sample(x: 100, y: 96, channel: 2))
    }

    func testShardsCoverTheArchiveOnce() throws {
        let dir = makeTemporaryDirectory("med-slides-shard")
        var paths: [String] = []
        for seed in 1...3 {
            let p = dir.appendingPathComponent("s\(seed).tif").path
            XCTAssertEqual(try ReticleProcess.run(["med", "synth-slide", p, "--seed", "\(seed)", "--width", "1024", "--height", "768"]).status, 0)
            paths.append(p)
        }
        let model = try XCTUnwrap(Corpus.projectRoot.appendingPathComponent("fixtures/models/slide-demo.safetensors").path as String?)
        let out = dir.appendingPathComponent("out")
        var seen = 0
        for k in 1...2 {
            let r = try ReticleProcess.run(["med", "slides"] + paths + ["--model", model, "--out", out.path, "--shard", "\(k)/2", "--quiet"])
            XCTAssertEqual(r.status, 0, r.stderr)
            seen = try finishedAt(out).count
        }
        XCTAssertEqual(seen, 3)
        // The protocol runs the same command with the bundled demonstration model.
        let pout = dir.appendingPathComponent("protocol-out")
        let p = try ReticleProcess.run(["run", Corpus.projectRoot.appendingPathComponent("protocols/wsi-classification.yaml").path,
                                        paths[0], "--out", pout.path, "--quiet"])
        XCTAssertEqual(p.status, 0, p.stderr)
        XCTAssertEqual(try rows(pout)["s1.tif"]?["result"]?["label"], "tumour")
        XCTAssertEqual(try rows(pout)["s1.tif"]?["result"]?["heatmap_class"], "tumour")
    }
}
