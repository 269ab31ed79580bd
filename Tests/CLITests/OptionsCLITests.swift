// Options are values, end to end: every option of `micro grade` (the specimen grouping too)
// decides whether an item is redone; every options field is a flag and a protocol key, and an
// unknown protocol key is an error that names it.

import Foundation
import Medical
import Microstructure
import Shared
import TestSupport
import XCTest

final class OptionsCLITests: XCTestCase {
    var dir: URL!

    override func setUp() { dir = makeTemporaryDirectory("reticle-options") }
    override func tearDown() { try? FileManager.default.removeItem(at: dir) }

    func grade(_ input: URL, _ out: URL, _ extra: [String] = []) throws -> (rows: [JSONValue], stderr: String) {
        let model = Corpus.projectRoot.appendingPathComponent("fixtures/models/steel-demo.safetensors").path
        let r = try ReticleProcess.run(["micro", "grade", input.path, "--model", model, "--out", out.path, "--json"] + extra)
        XCTAssertEqual(r.status, 0, r.stderr)
        return (try XCTUnwrap(JSONValue.parse(r.stdout).arrayValue), r.stderr)
    }

    func testChangedSpecimenPatternRegradesAndAnUnchangedRerunRedoesNothing() throws {
        let input = dir.appendingPathComponent("in"), out = dir.appendingPathComponent("out")
        try FileManager.default.createDirectory(at: input, withIntermediateDirectories: true)
        let images = Corpus.projectRoot.appendingPathComponent("fixtures/demo-steel/images")
        for name in ["s0001-01.tif", "s0002-01.tif", "s0003-01.tif"] {
            try FileManager.default.copyItem(at: images.appendingPathComponent(name), to: input.appendingPathComponent(name))
        }
        func items() throws -> [String: Data] {
            let folder = out.appendingPathComponent("items")
            var o: [String: Data] = [:]
            for f in try FileManager.default.contentsOfDirectory(atPath: folder.path) {
                o[f] = try Data(contentsOf: folder.appendingPathComponent(f))
            }
            return o
        }
        func specimens() throws -> [String] {
            let s = try JSONValue.parse(Data(contentsOf: out.appendingPathComponent("specimens.json")))
            let list = s.arrayValue ?? s["specimens"]?.arrayValue ?? []
            return list.compactMap { $0["specimen"]?.stringValue }.sorted()
        }

        let first = try grade(input, out)
        XCTAssertEqual(first.rows.compactMap { $0["specimen"]?.stringValue }, ["s0001", "s0002", "s0003"])
        XCTAssertFalse(first.stderr.contains("already done"), first.stderr)
        XCTAssertEqual(try specimens(), ["s0001", "s0002", "s0003"])
        let firstItems = try items()
        XCTAssertEqual(firstItems.count, 3)

        // Unchanged: nothing redone, the item files are byte for byte the same.
        let again = try grade(input, out)
        XCTAssertTrue(again.stderr.contains("3 items, 3 ok, 0 failed, 3 already done"), again.stderr)
        XCTAssertEqual(try items(), firstItems)

        // Another grouping into the same folder is refused, naming the option, and touches nothing...
        let model = Corpus.projectRoot.appendingPathComponent("fixtures/models/steel-demo.safetensors").path
        let refused = try ReticleProcess.run(["micro", "grade", input.path, "--model", model, "--out", out.path, "--specimen-pattern", "^(s000)"])
        XCTAssertEqual(refused.status, 1)
        XCTAssertTrue(refused.stderr.contains("options.specimen-pattern: unset → \"^(s000)\""), refused.stderr)
        XCTAssertEqual(try items(), firstItems)

        // ...and with --force every item is regraded with its new specimen, and the specimens follow.
        let regrouped = try grade(input, out, ["--specimen-pattern", "^(s000)", "--force"])
        XCTAssertFalse(regrouped.stderr.contains("already done"), regrouped.stderr)
        XCTAssertEqual(regrouped.rows.compactMap { $0["specimen"]?.stringValue }, ["s000", "s000", "s000"])
        XCTAssertEqual(try specimens(), ["s000"])
        let regroupedItems = try items()
        XCTAssertEqual(Set(regroupedItems.keys), Set(firstItems.keys))
        for (name, data) in regroupedItems {
            XCTAssertNotEqual(data, firstItems[name], "\(name) was not redone")
            XCTAssertEqual(try JSONValue.parse(data)["result"]?["specimen"]?.stringValue, "s000")
        }
        let run = try JSONValue.parse(Data(contentsOf: out.appendingPathComponent("run.json")))
        XCTAssertEqual(run["settings"]?["options"]?["specimen-pattern"]?.stringValue, "^(s000)")
        XCTAssertNotNil(run["settings"]?["model_sha256"]?.stringValue)

        // The same new grouping again: nothing redone.
        let regroupedAgain = try grade(input, out, ["--specimen-pattern", "^(s000)"])
        XCTAssertTrue(regroupedAgain.stderr.contains("3 already done"), regroupedAgain.stderr)
        XCTAssertEqual(try items(), regroupedItems)
    }

    /// Every field of a command's options value is a flag of the command (and so a protocol key).
    func testEveryOptionsFieldIsAFlag() throws {
        let commands: [([String], [String])] = [
            (["inspect"], InspectOptions.keys), (["micro", "calibrate"], MicroCalibrateOptions.keys),
            (["micro", "grainsize"], MicroGrainSizeOptions.keys), (["micro", "grade"], MicroGradeOptions.keys),
            (["micro", "synth"], MicroSynthOptions.keys), (["micro", "train"], MicroTrainOptions.keys),
            (["micro", "agreement"], AgreementOptions.keys), (["micro", "evaluate"], MicroEvaluateOptions.keys),
            (["med", "train"], MedTrainOptions.keys), (["med", "classify"], MedClassifyOptions.keys),
            (["med", "evaluate"], MedEvaluateOptions.keys.filter { $0 != "model" }),
            (["med", "slides"], MedSlidesOptions.keys), (["med", "train-tiles"], MedTrainTilesOptions.keys),
            (["med", "train-slides"], MedTrainSlidesOptions.keys),
            (["med", "adapt-concepts"], MedAdaptConceptsOptions.keys.filter { $0 != "model" }),
        ]
        for (words, keys) in commands {
            let help = try ReticleProcess.run(words + ["--help"])
            XCTAssertEqual(help.status, 0, help.stderr)
            for key in keys {
                XCTAssertTrue(help.stdout.contains("--\(key) ") || help.stdout.contains("--\(key)\n") || help.stdout.contains("--\(key) <"),
                              "\(words.joined(separator: " ")) has no --\(key)")
            }
        }
    }

    func testUnknownProtocolKeyIsAnErrorNamingIt() throws {
        let proto = dir.appendingPathComponent("p.yaml")
        try "protocol: bad\ncommand: micro grade\noptions: {model: m.safetensors, specimen_patern: x}\n"
            .write(to: proto, atomically: true, encoding: .utf8)
        let r = try ReticleProcess.run(["run", proto.path, dir.path])
        XCTAssertEqual(r.status, 1)
        XCTAssertTrue(r.stderr.contains("p.yaml: does not describe a valid 'micro grade' run: unknown option 'specimen-patern'"), r.stderr)
        XCTAssertTrue(r.stderr.contains("specimen-pattern"), "the known options are listed: \(r.stderr)")
    }
}
