// An implausible scale is an error row, never a crash, a hang or a 90 GB
// allocation, and the batch goes on to grade the good images after it.

import Foundation
import Shared
import TestSupport
import XCTest

final class MicroGradeScaleCLITests: XCTestCase {
    let model = Corpus.projectRoot.appendingPathComponent("fixtures/models/steel-demo.safetensors").path

    func flat(_ calibration: Calibration?) -> Image {
        var rng = SplitMix64(seed: 9)
        return Image(width: 1024, height: 768, channels: 1,
                     storage: .uint8((0..<(1024 * 768)).map { _ in UInt8(truncatingIfNeeded: rng.next()) }), calibration: calibration)
    }

    func rows(_ stdout: String) throws -> [JSONValue] { try XCTUnwrap(JSONValue.parse(stdout).arrayValue) }

    func testFlagScaleOf169IsAnErrorRowWithinSeconds() throws {
        let dir = makeTemporaryDirectory("grade-scale-flag")
        let image = dir.appendingPathComponent("big.png").path
        try ImageFile.write(flat(nil), to: image)
        let r = try ReticleProcess.run(["micro", "grade", image, "--um-per-px", "169", "--model", model,
                                        "--out", dir.appendingPathComponent("out").path, "--json", "--quiet"])
        XCTAssertEqual(r.status, 2, r.stderr)
        let row = try XCTUnwrap(rows(r.stdout).first)
        XCTAssertEqual(row["status"], "error")
        let reason = try XCTUnwrap(row["error"]?.stringValue)
        XCTAssertTrue(reason.contains("big.png") && reason.contains("--um-per-px 169 µm/px is outside the 0.0001…100 µm/px"), reason)
    }

    /// In one batch: an image whose file scale is plausible but 84.7× the model's (a 90 GB
    /// resample), pHYs 1 px/m, TIFF resolution 1/4294967295 and 2000000×20 /cm, a 300 dpi TIFF,
    /// then a good demo image, which is graded.
    func testImplausibleFileScalesAreErrorRowsAndTheBatchGoesOn() throws {
        let dir = makeTemporaryDirectory("grade-scale-batch")
        let input = dir.appendingPathComponent("in")
        try FileManager.default.createDirectory(at: input, withIntermediateDirectories: true)
        let cases: [(String, Calibration)] = [
            ("a-coarse.tif", Calibration(umPerPixel: 84.7, source: .flag)),
            ("b-phys1.png", Calibration(umPerPixel: 1e6, source: .flag)),
            ("c-tiny.tif", Calibration(umPerPixel: 1, source: .flag)),  // patched to 1/4294967295 per inch below
            ("d-aniso.tif", Calibration(umPerPixelX: 0.005, umPerPixelY: 500, source: .flag)),
            ("e-300dpi.tif", Calibration(umPerPixel: 25400.0 / 300, source: .flag)),
        ]
        for (name, c) in cases { try ImageFile.write(flat(c), to: input.appendingPathComponent(name).path) }
        try TIFFResolutionPatch.set(path: input.appendingPathComponent("c-tiny.tif").path, x: (1, 4294967295), y: (1, 4294967295), unit: 2)
        let demo = Corpus.projectRoot.appendingPathComponent("fixtures/demo-steel/images")
        let good = try XCTUnwrap(FileManager.default.contentsOfDirectory(atPath: demo.path).sorted().first { $0.hasSuffix(".tif") })
        try FileManager.default.copyItem(atPath: demo.appendingPathComponent(good).path, toPath: input.appendingPathComponent("z-" + good).path)

        let r = try ReticleProcess.run(["micro", "grade", input.path, "--model", model,
                                        "--out", dir.appendingPathComponent("out").path, "--json", "--quiet"])
        XCTAssertEqual(r.status, 2, r.stderr)
        let all = try rows(r.stdout)
        XCTAssertEqual(all.count, 6)
        func reason(_ name: String) -> String {
            all.first { $0["error"]?.stringValue?.contains(name) == true }?["error"]?.stringValue ?? "no error row for \(name)"
        }
        XCTAssertTrue(reason("a-coarse.tif").contains("1024×768 px at 84.7 µm/px resampled to 1 µm/px would be 86733×65050 px, more than the 134217728 samples"),
                      reason("a-coarse.tif"))
        XCTAssertTrue(reason("b-phys1.png").contains("PNG pHYs gives 1e+06 µm/px, outside the 0.0001…100 µm/px"), reason("b-phys1.png"))
        XCTAssertTrue(reason("c-tiny.tif").contains("gives 1.09092e+14 µm/px, outside the 0.0001…100 µm/px"), reason("c-tiny.tif"))
        XCTAssertTrue(reason("d-aniso.tif").contains("gives 0.005×500 µm/px, outside"), reason("d-aniso.tif"))
        XCTAssertTrue(reason("e-300dpi.tif").contains("is 300 dpi, an image program's print default, not a scale: no calibration"),
                      reason("e-300dpi.tif"))
        XCTAssertEqual(all.filter { $0["status"] == "error" }.count, 5)
        XCTAssertEqual(all.filter { $0["status"] == "ok" }.count, 1, r.stdout)
    }
}
