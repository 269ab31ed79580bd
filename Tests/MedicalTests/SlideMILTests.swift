// Gated-attention MIL on generated slides: med train-slides' feature cache (a second run
// extracts nothing), slide labels learnt from slide-level labels only (tumour vs tumour-free
// slides), attention concentrated on the tumour, the attention column, GeoJSON measurement and
// heatmap, and the errors: attention without a MIL model, a MIL model from another tile model,
// bad label files and unreadable slides.

import Foundation
@testable import Medical
import Shared
import TestSupport
import XCTest

final class SlideMILTests: XCTestCase {
    struct Fixture {
        let dir: URL
        let labels: String
        let slides: [String: SyntheticSlide]
        var heldOutTumour: String { dir.appendingPathComponent("held-tumour.tif").path }
        var heldOutClean: String { dir.appendingPathComponent("held-clean.tif").path }
    }

    /// Small slides (1024 × 768, tissue 768 × 512): tumour blocks of 256 × 256 at different
    /// places on half of them; two more held out for classification.
    static func slide(seed: UInt64, tumourAt: (Int, Int)?) -> SyntheticSlide {
        var s = SyntheticSlide()
        s.width = 1024
        s.height = 768
        s.tissue = (x: 128, y: 128, width: 768, height: 512)
        s.tumour = tumourAt.map { (x: $0.0, y: $0.1, width: 256, height: 256) }
        s.penRow = nil
        s.seed = seed
        return s
    }

    static let fixture: Fixture = {
        let dir = makeTemporaryDirectory("reticle-mil-slides")
        var csv = "slide,label\n"
        var slides: [String: SyntheticSlide] = [:]
        let places = [(128, 128), (640, 384), (384, 256), (640, 128)]
        for i in 0..<8 {
            let tumour = i % 2 == 0
            let s = slide(seed: 100 + UInt64(i), tumourAt: tumour ? places[i / 2] : nil)
            let name = "s\(i).tif"
            try! s.write(to: dir.appendingPathComponent(name).path)
            slides[name] = s
            csv += "\(name),\(tumour ? "tumour" : "normal")\n"
        }
        let labels = dir.appendingPathComponent("labels.csv").path
        try! csv.write(toFile: labels, atomically: true, encoding: .utf8)
        let f = Fixture(dir: dir, labels: labels, slides: slides)
        try! slide(seed: 200, tumourAt: (512, 256)).write(to: f.heldOutTumour)
        try! slide(seed: 201, tumourAt: nil).write(to: f.heldOutClean)
        return f
    }()

    var options: MedTrainSlidesOptions {
        var o = MedTrainSlidesOptions()
        o.tileModel = SlideFixtures.model
        o.epochs = 25
        o.hidden = 16
        o.learningRate = 2e-3
        o.validationFraction = 0.25
        return o
    }

    func testTrainSlidesCachesFeaturesAndFindsTheTumourSlides() throws {
        let f = Self.fixture
        let cache = makeTemporaryDirectory("reticle-mil-cache")
        let first = try SlideMILTrainer(options: options).train(labelsCSV: f.labels, cacheFolder: cache)
        XCTAssertEqual(first.extracted, 8)
        XCTAssertEqual(first.cached, 0)
        XCTAssertTrue(first.failed.isEmpty)
        XCTAssertEqual(first.trainSlides.count, 6)
        XCTAssertEqual(first.validationSlides.count, 2)
        XCTAssertEqual(first.validationAccuracy, 1)
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: cache.path).filter { $0.hasSuffix(".safetensors") }.count, 8)

        // The rerun reads every slide's features from the cache and trains the same model.
        let second = try SlideMILTrainer(options: options).train(labelsCSV: f.labels, cacheFolder: cache)
        XCTAssertEqual(second.extracted, 0)
        XCTAssertEqual(second.cached, 8)
        XCTAssertEqual(second.history.map(\.trainLoss), first.history.map(\.trainLoss))
        // A damaged entry is extracted again, never trusted.
        let entries = try FileManager.default.contentsOfDirectory(atPath: cache.path).filter { $0.hasSuffix(".safetensors") }.sorted()
        try Data("damaged".utf8).write(to: cache.appendingPathComponent(entries[0]))
        var quick = options
        quick.epochs = 1
        let repaired = try SlideMILTrainer(options: quick).train(labelsCSV: f.labels, cacheFolder: cache)
        XCTAssertEqual([repaired.extracted, repaired.cached], [1, 7])
        // Other tiling settings are another cache entry.
        var other = options
        other.minTissue = 0.9
        other.epochs = 1
        XCTAssertEqual(try SlideMILTrainer(options: other).train(labelsCSV: f.labels, cacheFolder: cache).extracted, 8)

        let milURL = f.dir.appendingPathComponent("mil.safetensors")
        try AttentionMILFile.save(first.mil, provenance: first.provenance, to: milURL)
        let (_, provenance) = try AttentionMILFile.load(milURL)
        XCTAssertEqual(provenance["tile_model"]?["sha256"]?.stringValue, try FileFingerprint.of(path: SlideFixtures.model))
        XCTAssertEqual(provenance["tiling"]?["tile_size"], 32)
        XCTAssertEqual(provenance["tiling"]?["min_tissue"], 0.5)

        // Held-out slides through med slides with the MIL model.
        var o = MedSlidesOptions()
        o.model = SlideFixtures.model
        o.mil = milURL.path
        o.aggregation = .attention
        try o.validate()
        let out = makeTemporaryDirectory("reticle-mil-out")
        let job = try o.classifier(outDir: out, progress: .quiet)
        let tumour = try job.classify(InputItem(path: f.heldOutTumour, displayPath: "held-tumour.tif", id: "held-tumour.tif"))
        XCTAssertEqual(tumour["label"], "tumour")
        XCTAssertEqual(tumour["aggregation"], "attention")
        XCTAssertGreaterThan(tumour["probabilities"]?["tumour"]?.doubleValue ?? 0, 0.5)
        XCTAssertNotNil(tumour["aggregations"]?["mean"]?["tumour"]?.doubleValue)
        XCTAssertEqual(tumour["outputs"]?["attention_heatmap"], "slides/held-tumour.tif/attention.png")
        let clean = try job.classify(InputItem(path: f.heldOutClean, displayPath: "held-clean.tif", id: "held-clean.tif"))
        XCTAssertEqual(clean["label"], "normal")

        // Attention: a distribution over the tiles, larger on the tumour than on normal tissue.
        let slideDir = out.appendingPathComponent("slides/held-tumour.tif")
        let table = try TileScoreTable(csv: try String(contentsOf: slideDir.appendingPathComponent("tiles.csv"), encoding: .utf8), file: "tiles.csv")
        XCTAssertTrue(table.hasAttention)
        XCTAssertEqual(table.rows.compactMap(\.attention).reduce(0, +), 1, accuracy: 1e-4)
        let truth = Self.slide(seed: 200, tumourAt: (512, 256))
        var inTumour: [Double] = [], outside: [Double] = []
        for r in table.rows {
            let region = truth.region(x: r.tile.x + r.tile.width / 2, y: r.tile.y + r.tile.height / 2)
            if region == .tumour { inTumour.append(r.attention!) } else if region == .normal { outside.append(r.attention!) }
        }
        XCTAssertEqual(inTumour.count, 16)
        let meanIn = inTumour.reduce(0, +) / Double(inTumour.count), meanOut = outside.reduce(0, +) / Double(outside.count)
        XCTAssertGreaterThan(meanIn, 2 * meanOut, "attention on tumour \(meanIn) vs normal \(meanOut)")
        let geo = try JSONValue.parse(try Data(contentsOf: slideDir.appendingPathComponent("tiles.geojson")))
        XCTAssertNotNil(geo["features"]?.arrayValue?.first?["properties"]?["measurements"]?["attention"]?.doubleValue)
        // The attention map is red where attention is highest, blue where it is lowest.
        let map = try ImageFile.read(path: slideDir.appendingPathComponent("attention.png").path)
        let thumb = try ImageFile.read(path: slideDir.appendingPathComponent("thumbnail.png").path)
        let downsample = try XCTUnwrap(tumour["thumbnail_downsample"]?.doubleValue)
        func redMinusBlue(_ img: Image, _ t: SlideTile) -> Float {
            let (x, y) = (Int(Double(t.x + t.width / 2) / downsample), Int(Double(t.y + t.height / 2) / downsample))
            return img.sample(x: x, y: y, channel: 0) - img.sample(x: x, y: y, channel: 2)
        }
        let top = table.rows.max { $0.attention! < $1.attention! }!.tile
        let bottom = table.rows.min { $0.attention! < $1.attention! }!.tile
        XCTAssertGreaterThan(redMinusBlue(map, top) - redMinusBlue(thumb, top), 40)
        XCTAssertLessThan(redMinusBlue(map, bottom) - redMinusBlue(thumb, bottom), -40)
        // Redrawn from tiles.csv alone.
        for (id, result) in [("held-tumour.tif", tumour), ("held-clean.tif", clean)] { try Self.record(id, result, in: out) }
        try FileManager.default.removeItem(at: slideDir.appendingPathComponent("attention.png"))
        XCTAssertEqual(try SlideOutputs.rerenderHeatmaps(outDir: out, className: nil, opacity: 0.5, attention: true), 2)
        XCTAssertTrue(FileManager.default.fileExists(atPath: slideDir.appendingPathComponent("attention.png").path))
    }

    func testAttentionNeedsAMILModelOfThisTileModel() throws {
        var o = MedSlidesOptions()
        o.model = SlideFixtures.model
        o.aggregation = .attention
        XCTAssertThrowsError(try o.validate()) { e in XCTAssertTrue("\(e)".contains("--mil"), "\(e)") }

        // A MIL model whose provenance names another tile model is refused, naming both.
        let mil = AttentionMIL(config: .init(features: 32, hidden: 4, classes: ["normal", "tumour"]))
        let url = makeTemporaryDirectory("reticle-mil-wrong").appendingPathComponent("other.safetensors")
        try AttentionMILFile.save(mil, provenance: ["tile_model": ["sha256": "sha256:0123"]], to: url)
        o.mil = url.path
        XCTAssertThrowsError(try o.classifier(outDir: nil, progress: .quiet)) { e in
            XCTAssertTrue("\(e)".contains("sha256:0123") && "\(e)".contains("other.safetensors"), "\(e)")
        }
        // A tile model given as the MIL model.
        o.mil = SlideFixtures.model
        XCTAssertThrowsError(try o.classifier(outDir: nil, progress: .quiet)) { e in XCTAssertTrue("\(e)".contains("not an attention-MIL model"), "\(e)") }
        // Re-rendering attention for a run without MIL is an error naming the tiles.csv.
        var plain = MedSlidesOptions()
        plain.model = SlideFixtures.model
        let out = makeTemporaryDirectory("reticle-mil-plain")
        let item = InputItem(path: Self.fixture.heldOutClean, displayPath: "c.tif", id: "c.tif")
        let record = try plain.classifier(outDir: out, progress: .quiet).classify(item)
        XCTAssertNil(record["aggregations"]?["attention"])
        try Self.record("c.tif", record, in: out)
        XCTAssertThrowsError(try SlideOutputs.rerenderHeatmaps(outDir: out, className: nil, opacity: 0.5, attention: true)) { e in
            XCTAssertTrue("\(e)".contains("no attention column"), "\(e)")
        }
    }

    /// What the batch runner stores for a finished slide, so heatmaps can be redrawn.
    static func record(_ id: String, _ result: JSONObject, in out: URL) throws {
        try ItemStore(outDir: out, create: true).save(ItemRecord(id: id, file: id, status: .ok, inputHash: "h", settingsHash: "s",
                                                                 elapsedSeconds: 0, finishedAt: "now", result: result))
    }

    func testLabelFilesAndUnreadableSlides() throws {
        let dir = makeTemporaryDirectory("reticle-mil-labels")
        let bad = dir.appendingPathComponent("bad.csv").path
        try "file,label\na.tif,x\n".write(toFile: bad, atomically: true, encoding: .utf8)
        XCTAssertThrowsError(try SlideMILTrainer.labels(bad)) { e in XCTAssertTrue("\(e)".contains("bad.csv") && "\(e)".contains("slide,label"), "\(e)") }
        let short = dir.appendingPathComponent("short.csv").path
        try "slide,label\na.tif\n".write(toFile: short, atomically: true, encoding: .utf8)
        XCTAssertThrowsError(try SlideMILTrainer.labels(short)) { e in XCTAssertTrue("\(e)".contains("line 2"), "\(e)") }

        // An unreadable slide is left out and reported; the rest trains.
        let f = Self.fixture
        try Data("not a slide".utf8).write(to: dir.appendingPathComponent("junk.tif"))
        var csv = "slide,label\njunk.tif,tumour\n"
        for name in ["s0.tif", "s1.tif", "s2.tif", "s3.tif"] { csv += "\(f.dir.path)/\(name),\(f.slides[name]!.tumour == nil ? "normal" : "tumour")\n" }
        let labels = dir.appendingPathComponent("labels.csv").path
        try csv.write(toFile: labels, atomically: true, encoding: .utf8)
        var o = options
        o.epochs = 2
        o.validationFraction = 0
        let result = try SlideMILTrainer(options: o).train(labelsCSV: labels, cacheFolder: dir.appendingPathComponent("cache"))
        XCTAssertEqual(result.failed.count, 1)
        XCTAssertTrue(result.failed[0].reason.contains("junk.tif"), result.failed[0].reason)
        XCTAssertEqual(result.trainSlides.count, 4)
    }
}
