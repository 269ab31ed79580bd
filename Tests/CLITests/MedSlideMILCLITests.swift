// Through the binary: a tile model trained from QuPath GeoJSON annotations, med train-slides
// (a rerun reads every slide's features from the cache), med slides with the MIL model and
// attention aggregation, med heatmap --attention, and the usage error of attention without
// a MIL model.

import Foundation
import Medical
import Shared
import TestSupport
import XCTest

final class MedSlideMILCLITests: XCTestCase {
    func synth(_ path: String, seed: Int, tumour: Bool) throws {
        let r = try ReticleProcess.run(["med", "synth-slide", path, "--seed", "\(seed)", "--width", "1024", "--height", "768"] + (tumour ? [] : ["--no-tumour"]))
        XCTAssertEqual(r.status, 0, r.stderr)
    }

    func testGeoJSONTilesThenMILSlidesEndToEnd() throws {
        let dir = makeTemporaryDirectory("med-mil-cli")
        // The synth-slide default at 1024 × 768: tissue from (128, 128), tumour on its left.
        try synth(dir.appendingPathComponent("train.tif").path, seed: 1, tumour: true)
        let geo = """
        {"type": "FeatureCollection", "features": [
          {"type": "Feature", "geometry": {"type": "Polygon", "coordinates": [[[256, 256], [576, 256], [576, 512], [256, 512], [256, 256]]]},
           "properties": {"classification": {"name": "tumour"}}},
          {"type": "Feature", "geometry": {"type": "Polygon", "coordinates": [[[640, 256], [832, 256], [832, 512], [640, 512], [640, 256]]]},
           "properties": {"classification": {"name": "normal"}}}]}
        """
        try geo.write(to: dir.appendingPathComponent("train.geojson"), atomically: true, encoding: .utf8)
        try "slide,geojson\ntrain.tif,\n".write(to: dir.appendingPathComponent("annotations.csv"), atomically: true, encoding: .utf8)
        let model = dir.appendingPathComponent("tiles.safetensors").path
        let t = try ReticleProcess.run(["med", "train-tiles", dir.appendingPathComponent("annotations.csv").path, "--out", model,
                                        "--tile-size", "32", "--um-per-px", "1", "--widths", "8,16,32", "--epochs", "2",
                                        "--validation-fraction", "0", "--quiet"])
        XCTAssertEqual(t.status, 0, t.stderr)
        XCTAssertEqual(try ModelFile.inspect(URL(fileURLWithPath: model))["manifest"]?["provenance"]?["data_source"], "annotations")

        // Slides labelled by slide: two with tumour, two without.
        var csv = "slide,label\n"
        for (i, tumour) in [true, false, true, false].enumerated() {
            try synth(dir.appendingPathComponent("s\(i).tif").path, seed: 10 + i, tumour: tumour)
            csv += "s\(i).tif,\(tumour ? "tumour" : "normal")\n"
        }
        try csv.write(to: dir.appendingPathComponent("labels.csv"), atomically: true, encoding: .utf8)
        let mil = dir.appendingPathComponent("mil.safetensors").path
        let args = ["med", "train-slides", dir.appendingPathComponent("labels.csv").path, "--tile-model", model, "--out", mil,
                    "--epochs", "5", "--hidden", "8", "--validation-fraction", "0", "--quiet"]
        let first = try ReticleProcess.run(args)
        XCTAssertEqual(first.status, 0, first.stderr)
        XCTAssertTrue(first.stdout.contains("features of 4 slide(s) extracted, 0 from the cache"), first.stdout)
        let second = try ReticleProcess.run(args)
        XCTAssertEqual(second.status, 0, second.stderr)
        XCTAssertTrue(second.stdout.contains("features of 0 slide(s) extracted, 4 from the cache"), second.stdout)
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: dir.appendingPathComponent("mil.features").path).count, 4)
        XCTAssertTrue(FileManager.default.fileExists(atPath: dir.appendingPathComponent("mil.log.jsonl").path))
        let inspect = try ReticleProcess.run(["model", "inspect", mil, "--json"])
        XCTAssertEqual(inspect.status, 0, inspect.stderr)
        let manifest = try JSONValue.parse(inspect.stdout)["mil_manifest"]
        XCTAssertEqual(manifest?["kind"], "gated-attention-mil")
        XCTAssertEqual(manifest?["provenance"]?["tile_model"]?["sha256"]?.stringValue, try FileFingerprint.of(path: model))
        XCTAssertEqual(manifest?["config"]?["classes"], ["normal", "tumour"])

        // Attention without a MIL model is a usage error; with it, every tile gets its weight.
        let bad = try ReticleProcess.run(["med", "slides", dir.appendingPathComponent("s0.tif").path, "--model", model, "--aggregation", "attention"])
        XCTAssertEqual(bad.status, 1, bad.stderr)
        XCTAssertTrue(bad.stderr.contains("--mil"), bad.stderr)
        let out = dir.appendingPathComponent("out")
        let r = try ReticleProcess.run(["med", "slides", dir.appendingPathComponent("s0.tif").path, dir.appendingPathComponent("s1.tif").path,
                                        "--model", model, "--mil", mil, "--aggregation", "attention", "--out", out.path, "--quiet"])
        XCTAssertEqual(r.status, 0, r.stderr)
        let csvText = try String(contentsOf: out.appendingPathComponent("slides/s0.tif/tiles.csv"), encoding: .utf8)
        XCTAssertTrue(csvText.hasPrefix("index,row,column,x,y,width,height,tissue_fraction,label,p_normal,p_tumour,attention\n"), csvText)
        let table = try TileScoreTable(csv: csvText, file: "tiles.csv")
        XCTAssertEqual(table.rows.compactMap(\.attention).reduce(0, +), 1, accuracy: 1e-4)
        let item = try JSONValue.parse(try Data(contentsOf: out.appendingPathComponent("items/s0.tif.json")))
        XCTAssertEqual(item["result"]?["aggregation"], "attention")
        XCTAssertNotNil(item["result"]?["aggregations"]?["attention"]?["tumour"]?.doubleValue)
        let attentionPNG = out.appendingPathComponent("slides/s0.tif/attention.png")
        try FileManager.default.removeItem(at: attentionPNG)
        let h = try ReticleProcess.run(["med", "heatmap", out.path, "--attention"])
        XCTAssertEqual(h.status, 0, h.stderr)
        XCTAssertTrue(h.stdout.contains("redrew 2 attention map(s)"), h.stdout)
        XCTAssertTrue(FileManager.default.fileExists(atPath: attentionPNG.path))
    }
}
