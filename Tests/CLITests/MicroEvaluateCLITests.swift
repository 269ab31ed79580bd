// End to end: `micro evaluate` on the demo micrographs (cross-validation by specimen, the
// texture baseline beside the CNN), and the texture baseline as a model `micro train` writes
// and `micro grade` uses, with Grad-CAM on it a usage error rather than a crash.

import Foundation
import XCTest
import TestSupport

final class MicroEvaluateCLITests: XCTestCase {
    let demo = Corpus.projectRoot.appendingPathComponent("fixtures/demo-steel").path

    func testEvaluateOnTheDemoDataWritesTheReport() throws {
        let out = makeTemporaryDirectory("micro-evaluate").appendingPathComponent("eval")
        let r = try ReticleProcess.run(["micro", "evaluate", demo + "/manifest.csv", "--out", out.path, "--folds", "2", "--seeds", "1,2",
                                        "--epochs", "1", "--patch", "32", "--patches-per-image", "4", "--json"])
        XCTAssertEqual(r.status, 0, r.stderr)
        let json = try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as! [String: Any]
        XCTAssertEqual(json["images"] as? Int, 10)
        XCTAssertEqual(json["specimens"] as? Int, 10)
        XCTAssertEqual(json["split"] as? String, "2 folds by specimen")
        let recipes = try XCTUnwrap(json["recipes"] as? [[String: Any]])
        XCTAssertEqual(recipes.map { $0["recipe"] as? String }, ["compact-cnn", "texture"])
        for recipe in recipes {
            // Every image held out exactly once per seed.
            let outcomes = try XCTUnwrap(recipe["outcomes"] as? [[String: Any]])
            XCTAssertEqual(outcomes.count, 20)
            XCTAssertEqual(Set(outcomes.map { "\($0["image"]!)/\($0["seed"]!)" }).count, 20)
            let imageAccuracy = try XCTUnwrap((recipe["image_accuracy"] as? [String: Any])?["per_seed"] as? [Double])
            XCTAssertEqual(imageAccuracy.count, 2)
            // The figure is the share of right calls among the outcomes of that seed.
            let right = outcomes.filter { $0["seed"] as? String == "1" && $0["call"] as? String == $0["truth"] as? String }.count
            XCTAssertEqual(imageAccuracy[0], Double(right) / 10, accuracy: 1e-4)
            let matrix = try XCTUnwrap((recipe["confusion"] as? [String: Any])?["matrix"] as? [[Int]])
            XCTAssertEqual(matrix.flatMap { $0 }.reduce(0, +), 20)
            XCTAssertNotNil(recipe["ece"])
        }
        let html = try String(contentsOf: out.appendingPathComponent("report.html"), encoding: .utf8)
        for text in ["cross-validation by specimen", "Recipes side by side", "Reliability", "Confusion, texture", "s0001-01.tif"] {
            XCTAssertTrue(html.contains(text), text)
        }
        XCTAssertTrue(FileManager.default.fileExists(atPath: out.appendingPathComponent("evaluation.json").path))
    }

    func testEvaluateRejectsBadFoldsAndSeeds() throws {
        let out = makeTemporaryDirectory("micro-evaluate-bad").path
        let folds = try ReticleProcess.run(["micro", "evaluate", demo, "--out", out, "--folds", "1"])
        XCTAssertEqual(folds.status, 1)
        XCTAssertTrue(folds.stderr.contains("--folds"), folds.stderr)
        let seeds = try ReticleProcess.run(["micro", "evaluate", demo, "--out", out, "--seeds", "1,x"])
        XCTAssertEqual(seeds.status, 1)
        XCTAssertTrue(seeds.stderr.contains("--seeds"), seeds.stderr)
        let arch = try ReticleProcess.run(["micro", "evaluate", demo, "--out", out, "--baseline", "lbp"])
        XCTAssertEqual(arch.status, 1)
        XCTAssertTrue(arch.stderr.contains("texture"), arch.stderr)
    }

    func testTextureModelTrainsAndGradesAndRefusesGradCAM() throws {
        let dir = makeTemporaryDirectory("micro-texture")
        let model = dir.appendingPathComponent("m/texture.safetensors").path
        let train = try ReticleProcess.run(["micro", "train", demo + "/manifest.csv", "--architecture", "texture", "--out", model,
                                            "--epochs", "4", "--patch", "32", "--patches-per-image", "8", "--quiet"])
        XCTAssertTrue(FileManager.default.fileExists(atPath: model), train.stderr)
        XCTAssertTrue(train.stdout.contains("type accuracy"), train.stdout)
        // Ten images of ten specimens, three types, four epochs: the held-out specimens are graded no better than
        // chance, so the model is written but the exit status (3) and a warning say so.
        XCTAssertEqual(train.status, 3, train.stderr)
        XCTAssertTrue(train.stderr.contains("at chance on held-out specimens"), train.stderr)

        let inspect = try ReticleProcess.run(["model", "inspect", model])
        if inspect.status == 0 { XCTAssertTrue(inspect.stdout.contains("texture"), inspect.stdout) }

        let images = demo + "/images"
        let refused = try ReticleProcess.run(["micro", "grade", images, "--model", model, "--out", dir.appendingPathComponent("g1").path,
                                              "--explain", "gradcam", "--quiet"])
        XCTAssertEqual(refused.status, 1)
        XCTAssertTrue(refused.stderr.contains("needs a CNN"), refused.stderr)
        XCTAssertTrue(refused.stderr.contains("texture.safetensors"), refused.stderr)

        let out = dir.appendingPathComponent("g2")
        let grade = try ReticleProcess.run(["micro", "grade", images, "--model", model, "--out", out.path, "--json", "--quiet"])
        XCTAssertEqual(grade.status, 0, grade.stderr)
        let rows = try JSONSerialization.jsonObject(with: Data(grade.stdout.utf8)) as! [[String: Any]]
        XCTAssertEqual(rows.count, 10)
        let types = Set(["martensite", "lower-bainite", "upper-bainite"])
        XCTAssertTrue(rows.allSatisfy { types.contains(($0["type"] as? String) ?? "") }, "\(rows.first ?? [:])")
        XCTAssertTrue(FileManager.default.fileExists(atPath: out.appendingPathComponent("report.html").path))
    }
}
