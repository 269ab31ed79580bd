// The README's steel training example runs as written (only sizes and epochs shrunk so the
// test stays fast): every command is accepted, the model records the hold-out fractions the
// example asks for, and grading writes its report.

import Foundation
import XCTest
import Shared
import TestSupport

final class ReadmeSteelExampleCLITests: XCTestCase {
    /// The command lines of the first code block under "## Steel: training and grading".
    static func example() throws -> [[String]] {
        let readme = try String(contentsOf: Corpus.projectRoot.appendingPathComponent("README.md"), encoding: .utf8)
        let section = try XCTUnwrap(readme.range(of: "## Steel: training and grading"))
        let rest = readme[section.upperBound...]
        let open = try XCTUnwrap(rest.range(of: "```\n"))
        let close = try XCTUnwrap(rest[open.upperBound...].range(of: "```"))
        return rest[open.upperBound..<close.lowerBound].split(separator: "\n").map { $0.split(separator: " ").map(String.init) }
    }

    func testTrainingExampleRunsAsWritten() throws {
        let lines = try Self.example()
        XCTAssertEqual(lines.map { $0.prefix(3).joined(separator: " ") }, ["reticle micro synth", "reticle micro train", "reticle micro grade"])
        let shrink = ["--specimens": "16", "--images-per-specimen": "1", "--size": "128x128", "--epochs": "1"]
        let dir = makeTemporaryDirectory("readme-steel")
        for line in lines {
            var args = Array(line.dropFirst())
            for i in args.indices.dropLast() { if let v = shrink[args[i]] { args[i + 1] = v } }
            let run = try ReticleProcess.run(args + ["--quiet"], cwd: dir)
            // One epoch on 16 tiny specimens may be at chance: the model is still written (exit 3, a warning).
            XCTAssertTrue(run.status == 0 || (args[1] == "train" && run.status == 3), "\(args): \(run.status) \(run.stderr)")
        }
        let model = try ModelFile.load(from: dir.appendingPathComponent("steel.safetensors")).1
        let split = try XCTUnwrap(model.provenance["split"])
        XCTAssertEqual(split["test_fraction"]?.doubleValue, 0.25)
        XCTAssertEqual(split["validation_fraction"]?.doubleValue, 0.15)
        XCTAssertGreaterThan(split["validation_images"]?.intValue ?? 0, 0, "16 specimens are enough for a validation side")
        XCTAssertTrue(FileManager.default.fileExists(atPath: dir.appendingPathComponent("graded/report.html").path))
    }
}
