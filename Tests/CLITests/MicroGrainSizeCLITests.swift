// `reticle micro grainsize` end to end: a generated etched micrograph whose only scale is a
// burned-in 50 µm bar; the bar gives µm/px within 1 % and is left out of the analysis.

import Foundation
import Microstructure
import Shared
import TestSupport
import XCTest

final class MicroGrainSizeCLITests: XCTestCase {
    var dir: URL!

    override func setUp() { dir = makeTemporaryDirectory("reticle-grainsize") }
    override func tearDown() { try? FileManager.default.removeItem(at: dir) }

    func testScaleBarCalibratesAndIsExcluded() throws {
        // 0.4 µm/px: the 50 µm bar is 125 px long.
        let structure = VoronoiStructure(width: 600, height: 420, meanGrainAreaPx: 300, umPerPixel: 0.4, seed: 8)
        var image = MicrographRenderer().render(structure.map, seed: 9)
        image.calibration = nil
        guard case .uint8(var p) = image.storage else { return XCTFail("8-bit expected") }
        for y in 390..<396 { for x in 450..<575 { p[y * 600 + x] = 255 } }
        image.storage = .uint8(p)
        let path = dir.appendingPathComponent("etched.png").path
        try ImageFile.write(image, to: path)

        let r = try ReticleProcess.run(["micro", "grainsize", path, "--scale-bar-um", "50", "--json"])
        XCTAssertEqual(r.status, 0, r.stderr)
        let row = try XCTUnwrap(JSONValue.parse(r.stdout).arrayValue?.first)
        XCTAssertEqual(row["calibration"]?["source"], "scale-bar")
        XCTAssertEqual(row["calibration"]?["um_per_px"]?.doubleValue ?? 0, 0.4, accuracy: 0.004)
        XCTAssertGreaterThanOrEqual(row["excluded_px"]?.intValue ?? 0, 125 * 6, "the bar is left out")
        let truth = GrainSizeStandard.astmE112.grainSizeNumber(grainsPerMM2: structure.trueGrainsPerMM2)
        XCTAssertEqual(row["planimetric-circle"]?["G"]?.doubleValue ?? 0, truth, accuracy: 0.3)
        XCTAssertEqual(row["planimetric-circle"]?["standard"], "ASTM E112-13")

        let iso = try ReticleProcess.run(["micro", "grainsize", path, "--scale-bar-um", "50", "--standard", "iso-643",
                                          "--method", "intercept-circles", "--json"])
        let isoRow = try XCTUnwrap(JSONValue.parse(iso.stdout).arrayValue?.first)
        XCTAssertEqual(isoRow["intercept-circles"]?["standard"], "ISO 643:2019")
        XCTAssertNil(isoRow["planimetric-circle"])

        let none = try ReticleProcess.run(["micro", "grainsize", path, "--json"])
        XCTAssertEqual(none.status, 2, "no scale: an error row")
        XCTAssertTrue(none.stdout.contains("no µm/px"), none.stdout)
    }
}

extension MicroGrainSizeCLITests {
    /// Reliability: a blank image is an error row saying no boundaries were found, not "ok" with
    /// G = 5.58 and an intercept G of −inf.
    func testBlankImageIsAnErrorNotAGrainSize() throws {
        let blank = Image(width: 300, height: 200, channels: 1, storage: .uint8(Array(repeating: 200, count: 300 * 200)))
        let path = dir.appendingPathComponent("blank.png").path
        try ImageFile.write(blank, to: path)
        let r = try ReticleProcess.run(["micro", "grainsize", path, "--um-per-px", "0.5", "--json"])
        XCTAssertNotEqual(r.status, 0, r.stdout)
        XCTAssertTrue(r.stdout.contains("no grain boundaries found"), r.stdout + r.stderr)
        XCTAssertFalse(r.stdout.contains("inf"), r.stdout)
        XCTAssertFalse(r.stdout.contains("\"ok\""), r.stdout)
    }
}

final class ProtocolRunCLITests: XCTestCase {
    func testProtocolRunEqualsTheFlagsAndRecordsItsHash() throws {
        let dir = makeTemporaryDirectory("reticle-run")
        defer { try? FileManager.default.removeItem(at: dir) }
        let structure = VoronoiStructure(width: 320, height: 240, meanGrainAreaPx: 200, umPerPixel: 0.5, seed: 4)
        try ImageFile.write(MicrographRenderer().render(structure.map, seed: 5), to: dir.appendingPathComponent("a.tif").path)
        let proto = dir.appendingPathComponent("p.yaml")
        try """
        protocol: test
        command: micro grainsize
        options:
          standard: iso-643
          method: [planimetric-circle, intercept-lines]
          fields: 2x2
        """.write(to: proto, atomically: true, encoding: .utf8)

        let viaProtocol = try ReticleProcess.run(["run", proto.path, dir.appendingPathComponent("a.tif").path,
                                                  "--out", dir.appendingPathComponent("p").path, "--json"])
        XCTAssertEqual(viaProtocol.status, 0, viaProtocol.stderr)
        let viaFlags = try ReticleProcess.run(["micro", "grainsize", dir.appendingPathComponent("a.tif").path, "--standard", "iso-643",
                                               "--method", "planimetric-circle", "--method", "intercept-lines", "--fields", "2x2",
                                               "--out", dir.appendingPathComponent("f").path, "--json"])
        XCTAssertEqual(viaFlags.status, 0, viaFlags.stderr)
        XCTAssertEqual(try JSONValue.parse(viaProtocol.stdout), try JSONValue.parse(viaFlags.stdout))

        let run = try JSONValue.parse(Data(contentsOf: dir.appendingPathComponent("p/run.json")))
        let sha = FileFingerprint.sha256(try Data(contentsOf: proto))
        XCTAssertEqual(run["settings"]?["protocol_sha256"]?.stringValue, sha)
        XCTAssertNil(try JSONValue.parse(Data(contentsOf: dir.appendingPathComponent("f/run.json")))["settings"]?["protocol_sha256"])

        try "protocol: bad\ncommand: micro grainsize\noptions: {no-such-flag: 1}\n".write(to: proto, atomically: true, encoding: .utf8)
        let bad = try ReticleProcess.run(["run", proto.path, dir.appendingPathComponent("a.tif").path])
        XCTAssertEqual(bad.status, 1)
        XCTAssertTrue(bad.stderr.contains("p.yaml: does not describe a valid 'micro grainsize' run"), bad.stderr)
        try "protocol: bad\ncommand: micro grainsize\noptions: {out: here}\n".write(to: proto, atomically: true, encoding: .utf8)
        let outInProtocol = try ReticleProcess.run(["run", proto.path, dir.appendingPathComponent("a.tif").path])
        XCTAssertTrue(outInProtocol.stderr.contains("belongs on the command line"), outInProtocol.stderr)
    }
}

final class SteelGradingProtocolCLITests: XCTestCase {
    /// The bundled protocol finds its model beside it and grades as the same flags do.
    func testBundledSteelGradingProtocolEqualsItsFlags() throws {
        let root = Corpus.projectRoot
        let inputs = root.appendingPathComponent("fixtures/demo-steel/images").path
        let viaProtocol = try ReticleProcess.run(["run", root.appendingPathComponent("protocols/steel-grading.yaml").path,
                                                  inputs, "--json", "--quiet"])
        XCTAssertEqual(viaProtocol.status, 0, viaProtocol.stderr)
        let viaFlags = try ReticleProcess.run(["micro", "grade", inputs, "--model",
                                               root.appendingPathComponent("fixtures/models/steel-demo.safetensors").path,
                                               "--explain", "gradcam", "--min-confidence", "0.6", "--min-needle-confidence", "0.4",
                                               "--grain-size", "--scale-bar-um", "20",
                                               "--json", "--quiet"])
        XCTAssertEqual(viaFlags.status, 0, viaFlags.stderr)
        let rows = try XCTUnwrap(JSONValue.parse(viaProtocol.stdout).arrayValue)
        XCTAssertEqual(rows.count, 10)
        XCTAssertEqual(try JSONValue.parse(viaProtocol.stdout), try JSONValue.parse(viaFlags.stdout))
        // The TIFF tags give the scale; the 20 µm bar is found too, agrees, and is left out.
        XCTAssertEqual(rows[0]["calibration"]?["source"], "tiff-resolution")
        // The protocol promises grain size: every row carries a measurement or the reason there is none.
        XCTAssertTrue(rows.allSatisfy { $0["grain_size"]?.objectValue != nil }, "grain size enabled by the protocol")
        XCTAssertEqual(rows[0]["calibration"]?["scale_bar"]?["um_per_px"]?.doubleValue ?? 0, 0.5, accuracy: 0.005)
    }
}
