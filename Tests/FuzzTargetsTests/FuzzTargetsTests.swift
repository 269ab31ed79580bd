// The fuzz harness itself: every target accepts its committed seeds (a seed that is refused would
// fuzz only the error path), the seeds are what the generator writes, and every input that once
// crashed a target (fixtures/fuzz/regressions/TARGET/) is now refused with the reason asserted.

import FuzzTargets
import Foundation
import TestSupport
import XCTest

final class FuzzTargetsTests: XCTestCase {
    private let fuzzRoot = Corpus.projectRoot.appendingPathComponent("fixtures/fuzz")

    func testEveryTargetHasSeedsAndAcceptsThem() throws {
        let scratch = try FuzzScratch()
        for target in FuzzTarget.all {
            let folders = [fuzzRoot.appendingPathComponent(target.name).path]
                + target.seedFolders.map { Corpus.projectRoot.appendingPathComponent($0).path }
            let seeds = try FuzzReplay.files(folders.filter { FileManager.default.fileExists(atPath: $0) })
            XCTAssertFalse(seeds.isEmpty, "\(target.name) has no seeds in fixtures/fuzz/\(target.name)")
            for seed in seeds {
                let outcome = target.run(try Data(contentsOf: URL(fileURLWithPath: seed)), scratch: scratch)
                // Seed folders shared with other uses hold other files too (a model's log beside it):
                // those must only be refused cleanly; the committed seeds must be accepted.
                if seed.hasPrefix(fuzzRoot.path) {
                    XCTAssertNil(outcome, "\(target.name) refused its seed \(seed): \(FuzzReplay.describe(outcome))")
                }
            }
        }
    }

    func testSeedsAreWhatTheGeneratorWrites() throws {
        let dir = makeTemporaryDirectory("fuzz-seeds")
        let written = try FuzzSeeds.write(to: dir)
        XCTAssertEqual(written, 33)
        // DICOM seeds carry fresh UIDs: their acceptance is checked above, not their bytes.
        for target in try FileManager.default.contentsOfDirectory(atPath: dir.path) where !target.hasPrefix("dicom") {
            for name in try FileManager.default.contentsOfDirectory(atPath: dir.appendingPathComponent(target).path) {
                let fresh = try Data(contentsOf: dir.appendingPathComponent(target).appendingPathComponent(name))
                let committed = try? Data(contentsOf: fuzzRoot.appendingPathComponent(target).appendingPathComponent(name))
                XCTAssertEqual(fresh, committed, "fixtures/fuzz/\(target)/\(name) differs from `reticle-fuzz seeds`'s output")
            }
        }
    }

    /// Inputs that once crashed or hung a target (`fixtures/fuzz/regressions/TARGET/NAME`, each
    /// with `NAME.expected` holding a fragment of the refusal) are refused with that reason.
    func testEveryFormerCrashIsRefusedWithItsReason() throws {
        let root = fuzzRoot.appendingPathComponent("regressions")
        let scratch = try FuzzScratch()
        var replayed = 0
        for targetName in (try? FileManager.default.contentsOfDirectory(atPath: root.path))?.sorted() ?? [] {
            let target = try XCTUnwrap(FuzzTarget.named(targetName), "regressions/\(targetName) names no target")
            let folder = root.appendingPathComponent(targetName)
            for input in try FuzzReplay.files([folder.path]) where !input.hasSuffix(".expected") {
                let expected = try String(contentsOfFile: input + ".expected", encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)
                let outcome = FuzzReplay.describe(target.run(try Data(contentsOf: URL(fileURLWithPath: input)), scratch: scratch))
                XCTAssertTrue(outcome.contains(expected), "\(targetName)/\((input as NSString).lastPathComponent): \(outcome)")
                replayed += 1
            }
        }
        XCTAssertGreaterThanOrEqual(replayed, 1)
    }

    func testTargetsRefuseGarbageWithReasons() throws {
        let scratch = try FuzzScratch()
        let garbage = Data("not a file of any kind \u{0}\u{1}\u{2}".utf8)
        let accepting: Set = ["envi-header", "ratings-csv"]  // free text: a line of words can be a header or a CSV
        for target in FuzzTarget.all where !accepting.contains(target.name) {
            let outcome = target.run(garbage, scratch: scratch)
            XCTAssertNotNil(outcome, "\(target.name) accepted garbage")
            XCTAssertFalse(FuzzReplay.describe(outcome).count < 20, "\(target.name): \(FuzzReplay.describe(outcome))")
        }
    }
}
