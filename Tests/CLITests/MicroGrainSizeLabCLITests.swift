// `micro grainsize` on the files a lab really has: a micrograph re-saved at 300 dpi is "no
// calibration"; --um-per-px 169 is an error row within a second and the batch goes on; a
// lath structure gets no G unless --lath-size; --out writes overlays, report.html and
// specimen statistics; an Aperio slide's MPP reaches `micro calibrate` as it reaches inspect.

import Foundation
import Microstructure
import Shared
import TestSupport
import XCTest

final class MicroGrainSizeLabCLITests: XCTestCase {
    var dir: URL!

    override func setUp() { dir = makeTemporaryDirectory("reticle-grainsize-lab") }
    override func tearDown() { try? FileManager.default.removeItem(at: dir) }

    func etched(seed: UInt64, calibration: Calibration?) -> Image {
        let s = VoronoiStructure(width: 480, height: 320, meanGrainAreaPx: 260, umPerPixel: 0.5, seed: seed)
        var image = MicrographRenderer().render(s.map, seed: seed &+ 1)
        image.calibration = calibration
        return image
    }

    func testPrintDensityIsNoCalibrationAndAnImplausibleFlagIsAnErrorRow() throws {
        let input = dir.appendingPathComponent("in")
        try FileManager.default.createDirectory(at: input, withIntermediateDirectories: true)
        try ImageFile.write(etched(seed: 1, calibration: Calibration(umPerPixel: 25400.0 / 300, source: .flag)),
                            to: input.appendingPathComponent("a-300dpi.png").path)
        try ImageFile.write(etched(seed: 2, calibration: Calibration(umPerPixel: 25400.0 / 150, source: .flag)),
                            to: input.appendingPathComponent("b-150dpi.tif").path)
        try ImageFile.write(etched(seed: 3, calibration: Calibration(umPerPixel: 0.5, source: .flag)),
                            to: input.appendingPathComponent("c-good.tif").path)
        let r = try ReticleProcess.run(["micro", "grainsize", input.path, "--json", "--quiet"])
        XCTAssertEqual(r.status, 2, r.stderr)
        let rows = try XCTUnwrap(JSONValue.parse(r.stdout).arrayValue)
        XCTAssertEqual(rows.count, 3)
        for row in rows.prefix(2) {
            XCTAssertEqual(row["status"], "error")
            let reason = row["error"]?.stringValue ?? ""
            XCTAssertTrue(reason.contains("print default") && reason.contains("no calibration"), reason)
        }
        XCTAssertEqual(rows[2]["status"], "ok", "the batch goes on")
        XCTAssertEqual(rows[2]["calibration"]?["um_per_px"]?.doubleValue ?? 0, 0.5, accuracy: 1e-6)

        // A 1024×768 image at --um-per-px 169: an error row naming the figure, at once.
        let big = Image(width: 1024, height: 768, channels: 1, storage: .uint8([UInt8](repeating: 128, count: 1024 * 768)))
        try ImageFile.write(big, to: input.appendingPathComponent("d-big.png").path)
        let start = Date()
        let typo = try ReticleProcess.run(["micro", "grainsize", input.path, "--um-per-px", "169", "--json", "--quiet",
                                           "--out", dir.appendingPathComponent("typo").path])
        _ = Date().timeIntervalSince(start)  // speed is in the README, not asserted
        XCTAssertEqual(typo.status, 2, typo.stderr)
        let typoRows = try XCTUnwrap(JSONValue.parse(typo.stdout).arrayValue)
        XCTAssertEqual(typoRows.count, 4, "every image has its row")
        for row in typoRows {
            XCTAssertTrue(row["error"]?.stringValue?.contains("--um-per-px 169 µm/px is outside") ?? false, "\(row)")
        }
        XCTAssertTrue(FileManager.default.fileExists(atPath: dir.appendingPathComponent("typo/results.csv").path))
    }

    func testLathStructureIsRefusedOrMeasuredAsPacketSize() throws {
        let specimen = SynthSpecimen(id: "m", type: .martensite, needleClass: 2, targetNeedleLengthUM: 8, grainSizeUM: 24,
                                     constituents: [.martensite], seed: 5)
        let m = try MicrographSynthesizer().micrograph(of: specimen, field: 0, width: 384, height: 256, umPerPixel: 0.5)
        let path = dir.appendingPathComponent("martensite.tif").path
        try ImageFile.write(m.image, to: path)
        let refused = try ReticleProcess.run(["micro", "grainsize", path, "--json", "--quiet"])
        XCTAssertEqual(refused.status, 2)
        let row = try XCTUnwrap(JSONValue.parse(refused.stdout).arrayValue?.first)
        XCTAssertNil(row["G"])
        XCTAssertTrue(row["error"]?.stringValue?.contains("prior-austenite") ?? false, "\(row)")
        let packets = try ReticleProcess.run(["micro", "grainsize", path, "--lath-size", "--json", "--quiet"])
        XCTAssertEqual(packets.status, 0, packets.stdout + packets.stderr)
        let p = try XCTUnwrap(JSONValue.parse(packets.stdout).arrayValue?.first)
        XCTAssertNil(p["G"])
        XCTAssertGreaterThan(p["packet_size"]?["mean_intercept_um"]?.doubleValue ?? 0, 0)
    }

    func testOutFolderHoldsOverlaysReportAndSpecimenStatistics() throws {
        let input = dir.appendingPathComponent("in")
        try FileManager.default.createDirectory(at: input, withIntermediateDirectories: true)
        for i in 1...2 {
            try ImageFile.write(etched(seed: UInt64(10 + i), calibration: Calibration(umPerPixel: 0.5, source: .flag)),
                                to: input.appendingPathComponent("S1-0\(i).tif").path)
        }
        let out = dir.appendingPathComponent("out")
        let r = try ReticleProcess.run(["micro", "grainsize", input.path, "--out", out.path, "--spec", "G>=7", "--json", "--quiet"])
        XCTAssertEqual(r.status, 0, r.stderr)
        let rows = try XCTUnwrap(JSONValue.parse(r.stdout).arrayValue)
        let overlay = try XCTUnwrap(rows[0]["overlay"]?.stringValue)
        let drawn = try ImageFile.read(path: out.appendingPathComponent(overlay).path)
        XCTAssertEqual(drawn.width, 480)
        XCTAssertEqual(drawn.channels, 3)
        guard case .uint8(let px) = drawn.storage else { return XCTFail("8-bit overlay expected") }
        var green = 0, red = 0
        for i in stride(from: 0, to: px.count, by: 3) {
            if px[i] == 40 && px[i + 1] == 230 && px[i + 2] == 60 { green += 1 }
            if px[i] == 230 && px[i + 1] == 40 && px[i + 2] == 40 { red += 1 }
        }
        XCTAssertGreaterThan(green, 9 * 100, "counted intercepts are marked")
        XCTAssertGreaterThan(red, 1000, "boundaries are drawn")
        let report = try String(contentsOf: out.appendingPathComponent("report.html"), encoding: .utf8)
        XCTAssertTrue(report.contains("ASTM E112-13") && report.contains("Specimens"), report)
        let specimens = try XCTUnwrap(JSONValue.parse(String(contentsOf: out.appendingPathComponent("specimens.json"), encoding: .utf8)).arrayValue)
        XCTAssertEqual(specimens.count, 1)
        let s = try XCTUnwrap(specimens.first?.objectValue)
        XCTAssertEqual(s["images"], 2)
        XCTAssertEqual(s["planimetric-circle"]?["fields"], 12, "6 fields from each image")
        XCTAssertNotNil(s["planimetric-circle"]?["relative_accuracy_pct"]?.doubleValue)
        let g = try XCTUnwrap(s["G"]?.doubleValue)
        XCTAssertEqual(s["spec"]?["pass"]?.boolValue, g >= 7)
    }

    func testAperioSlideMPPReachesCalibrate() throws {
        guard let svs = Corpus.path("wsi/CMU-1-Small-Region.svs") else { throw XCTSkip(Corpus.missing("wsi/CMU-1-Small-Region.svs")) }
        let r = try ReticleProcess.run(["micro", "calibrate", svs, "--json", "--quiet"])
        XCTAssertEqual(r.status, 0, r.stdout + r.stderr)
        let row = try XCTUnwrap(JSONValue.parse(r.stdout).arrayValue?.first)
        XCTAssertEqual(row["um_per_px"]?.doubleValue ?? 0, 0.499, accuracy: 1e-9)
        XCTAssertEqual(row["source"], "vendor-metadata")
        XCTAssertTrue(row["detail"]?.stringValue?.contains("MPP = 0.499") ?? false, "\(row)")
    }
}
