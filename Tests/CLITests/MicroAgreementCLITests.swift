// `reticle micro agreement` end to end: long and wide label files, the model column, JSON and
// text reports, and malformed files that must name the file and line.

import Foundation
import Microstructure
@testable import reticle
import Shared
import TestSupport
import XCTest

final class MicroAgreementCLITests: XCTestCase {
    var dir: URL!

    override func setUp() { dir = makeTemporaryDirectory("reticle-agreement") }
    override func tearDown() { try? FileManager.default.removeItem(at: dir) }

    func write(_ name: String, _ text: String) throws -> String {
        let url = dir.appendingPathComponent(name)
        try text.write(to: url, atomically: true, encoding: .utf8)
        return url.path
    }

    /// Three raters and a model on eight images; rater cy is sloppy on needle length.
    func longFile() throws -> String {
        let calls: [(String, [String], [String])] = [
            ("a", ["martensite", "martensite", "martensite", "martensite"], ["N1", "N1", "N2", "N1"]),
            ("b", ["lower bainite", "upper bainite", "lower bainite", "lower bainite"], ["N2", "N3", "N2", "N2"]),
            ("c", ["upper bainite", "upper bainite", "upper bainite", "upper bainite"], ["N3", "N3", "N3", "N3"]),
            ("d", ["mixed", "martensite", "mixed", "mixed"], ["N2", "N1", "N3", "N2"]),
            ("e", ["martensite", "martensite", "martensite", "martensite"], ["N1", "N1", "N1", "N1"]),
            ("f", ["lower bainite", "lower bainite", "lower bainite", "lower bainite"], ["N2", "N2", "N1", "N2"]),
            ("g", ["upper bainite", "upper bainite", "mixed", "upper bainite"], ["N3", "N3", "N3", "N3"]),
            ("h", ["mixed", "mixed", "mixed", "mixed"], ["N2", "N2", "N3", "N2"]),
        ]
        var text = "image,rater,type,needle_class,comment\n"
        for (image, types, needles) in calls {
            for (i, rater) in ["ann", "bo", "cy", "model"].enumerated() {
                text += "\(image).tif,\(rater),\(types[i]),\(needles[i]),\n"
            }
        }
        return try write("labels.csv", text)
    }

    func testLongLayoutJSON() throws {
        let path = try longFile()
        let r = try ReticleProcess.run(["micro", "agreement", path, "--json"])
        XCTAssertEqual(r.status, 0, r.stderr)
        let o = try JSONValue.parse(r.stdout)
        XCTAssertEqual(o["layout"], "long")
        XCTAssertEqual(o["images"]?.intValue, 8)
        XCTAssertEqual(o["raters"], ["ann", "bo", "cy"])
        XCTAssertEqual(o["model"], "model", "the rater named model is the model by default")
        let labels = try XCTUnwrap(o["labels"]?.arrayValue)
        XCTAssertEqual(labels.map { $0["label"]?.stringValue ?? "" }, ["type", "needle_class"])

        let type = labels[0]
        XCTAssertEqual(type["scale"], "nominal")
        XCTAssertEqual(type["pairwise"]?.arrayValue?.count, 3)
        XCTAssertNil(type["pairwise"]?.arrayValue?.first?["kappa_quadratic"], "no weights for a nominal label")
        XCTAssertEqual(type["krippendorff_alpha"]?["metric"], "nominal")
        XCTAssertNotNil(type["fleiss_kappa"]?["kappa"]?.doubleValue)
        let vsMajority = try XCTUnwrap(type["model"]?["vs_majority"])
        XCTAssertEqual(vsMajority["percent_agreement"]?.doubleValue, 100)

        let needles = labels[1]
        XCTAssertEqual(needles["scale"], "ordinal")
        XCTAssertEqual(needles["categories"], ["N1", "N2", "N3"])
        XCTAssertEqual(needles["krippendorff_alpha"]?["metric"], "ordinal")
        XCTAssertNotNil(needles["pairwise"]?.arrayValue?.first?["kappa_quadratic"]?.doubleValue)
        let model = try XCTUnwrap(needles["model"])
        XCTAssertEqual(model["vs_raters"]?.arrayValue?.map { $0["second"]?.stringValue ?? "" }, ["ann", "bo", "cy"])
        XCTAssertGreaterThan(model["mean_model_kappa"]?.doubleValue ?? 0, needles["mean_rater_kappa"]?.doubleValue ?? 1)
    }

    func testTextReportAndModelColumn() throws {
        let path = try longFile()
        let r = try ReticleProcess.run(["micro", "agreement", path])
        XCTAssertEqual(r.status, 0, r.stderr)
        for expected in ["long layout, 8 images, 3 raters (ann, bo, cy), model: model",
                         "type — nominal, 4 categories", "needle_class — ordinal, 3 categories (N1, N2, N3)",
                         "Cohen's κ, quadratic-weighted, rater pairs:", "Fleiss' κ", "Krippendorff's α (ordinal)",
                         "    majority", "the model agrees with the raters at least as well as they agree with each other"] {
            XCTAssertTrue(r.stdout.contains(expected), "missing '\(expected)' in\n\(r.stdout)")
        }
        // cy's calls as the model's: the rater named model becomes one of the people.
        let cy = try ReticleProcess.run(["micro", "agreement", path, "--model-column", "cy", "--json"])
        XCTAssertEqual(try JSONValue.parse(cy.stdout)["raters"], ["ann", "bo", "model"])
        let missing = try ReticleProcess.run(["micro", "agreement", path, "--model-column", "robot"])
        XCTAssertEqual(missing.status, 1)
        XCTAssertTrue(missing.stderr.contains("labels.csv: no rater 'robot' for --model-column (raters: ann, bo, cy, model)"), missing.stderr)
    }

    func testWideLayoutWithLevels() throws {
        let path = try write("wide.csv", "image,ann,bo,model\na,short,short,short\nb,long,medium,long\nc,medium,medium,medium\nd,short,,short\n")
        let r = try ReticleProcess.run(["micro", "agreement", path, "--label", "length_class",
                                        "--levels", "length_class=short,medium,long", "--json"])
        XCTAssertEqual(r.status, 0, r.stderr)
        let o = try JSONValue.parse(r.stdout)
        XCTAssertEqual(o["layout"], "wide")
        let label = try XCTUnwrap(o["labels"]?.arrayValue?.first)
        XCTAssertEqual(label["label"], "length_class")
        XCTAssertEqual(label["scale"], "ordinal", "levels make a label ordinal")
        XCTAssertEqual(label["categories"], ["short", "medium", "long"])
        XCTAssertEqual(label["pairwise"]?.arrayValue?.first?["images"]?.intValue, 3, "d has one rating missing")
    }

    func testMalformedFilesExitOneNamingFileAndLine() throws {
        let ragged = try write("ragged.csv", "image,rater,type\na,ann,martensite\nb,ann\n")
        let r = try ReticleProcess.run(["micro", "agreement", ragged])
        XCTAssertEqual(r.status, 1)
        XCTAssertTrue(r.stderr.contains("ragged.csv: line 3: 2 fields, the header has 3"), r.stderr)

        let noImage = try write("noimage.csv", "file,rater,type\na,ann,m\n")
        let n = try ReticleProcess.run(["micro", "agreement", noImage])
        XCTAssertEqual(n.status, 1)
        XCTAssertTrue(n.stderr.contains("noimage.csv: line 1: no 'image' column (the header has file, rater, type)"), n.stderr)

        let absent = try ReticleProcess.run(["micro", "agreement", dir.appendingPathComponent("none.csv").path])
        XCTAssertEqual(absent.status, 1)
        XCTAssertTrue(absent.stderr.contains("none.csv: cannot read the labels file"), absent.stderr)

        let badLevels = try ReticleProcess.run(["micro", "agreement", ragged, "--levels", "type"])
        XCTAssertEqual(badLevels.status, 1)
        XCTAssertTrue(badLevels.stderr.contains("--levels wants LABEL=a,b,c"), badLevels.stderr)

        let help = try ReticleProcess.run(["micro", "agreement", "--help"])
        XCTAssertTrue(help.stdout.contains("image,rater,type,needle_class"), "help shows the layouts: \(help.stdout)")
    }
}

/// Reliability: the text report's rater-pair matrix looks each cell up directly, so 300 raters
/// (90,000 cells) render in well under a second; searching the pairs per cell took minutes.
final class MicroAgreementScaleTests: XCTestCase {
    func testThreeHundredRatersRenderTheWholeTextReport() throws {
        let dir = makeTemporaryDirectory("reticle-agreement-scale")
        defer { try? FileManager.default.removeItem(at: dir) }
        let raters = (0..<300).map { "r\($0)" }
        var text = "image," + raters.joined(separator: ",") + "\n"
        var rng = SplitMix64(seed: 3)
        for image in 0..<12 {
            text += "i\(image)," + raters.map { _ in ["N1", "N2", "N3"][Int(rng.next() % 3)] }.joined(separator: ",") + "\n"
        }
        let path = dir.appendingPathComponent("wide.csv").path
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        var options = AgreementOptions()
        options.label = "needle_class"
        let result = try options.analyse(path: path)
        let analysis = try XCTUnwrap(result.analyses.first)
        XCTAssertEqual(analysis.raters.count, 300)
        let report = MicroAgreementCommand.render(analysis)
        // Two matrices (unweighted and quadratic), each a header and 300 rows of 300 cells.
        let lines = report.split(separator: "\n")
        XCTAssertGreaterThanOrEqual(lines.count, 602)
        let row = try XCTUnwrap(lines.first { $0.hasPrefix("    r7 ") })
        XCTAssertEqual(row.split(separator: " ").count, 301, "the rater's name and 300 cells")
        // Every off-diagonal cell found its pair: no cell is blank-for-missing.
        let expected = MicroAgreementCommand.kappa(analysis.pairs.first { $0.first == "r7" && $0.second == "r8" }?.kappa)
        XCTAssertEqual(String(row.split(separator: " ")[9]), expected)
        XCTAssertEqual(String(row.split(separator: " ")[8]), "—")
    }
}
