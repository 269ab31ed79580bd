// Implausible scales fail before any work: print-default densities and figures no microscope
// produces are "no calibration" (with a note saying why), the resampler refuses a target size
// beyond ScaleLimits' bound, and a model manifest with an implausible scale fails at load.

import Foundation
import Shared
import TestSupport
import XCTest

final class ScaleSanityTests: XCTestCase {
    let dir = makeTemporaryDirectory("scale-sanity")

    func flat(_ width: Int, _ height: Int, _ calibration: Calibration?) -> Image {
        Image(width: width, height: height, channels: 1, storage: .uint8([UInt8](repeating: 128, count: width * height)),
              calibration: calibration)
    }

    /// Writes a 1024×768 image carrying `calibration` and reads it back.
    func roundTrip(_ name: String, _ calibration: Calibration) throws -> (Image, ImageFileInfo) {
        let path = dir.appendingPathComponent(name).path
        try ImageFile.write(flat(1024, 768, calibration), to: path)
        return (try ImageFile.read(path: path), try ImageFile.info(path: path))
    }

    func testPrintDefaultDensitiesAreNoCalibration() throws {
        for dpi in [72.0, 96, 150, 200, 300, 600] {
            for ext in ["tif", "png"] {
                let (image, info) = try roundTrip("p\(Int(dpi)).\(ext)", Calibration(umPerPixel: 25400 / dpi, source: .flag))
                XCTAssertNil(image.calibration, "\(dpi) dpi \(ext)")
                XCTAssertNil(info.calibration, "\(dpi) dpi \(ext)")
                let note = try XCTUnwrap(image.calibrationNote, "\(dpi) dpi \(ext)")
                XCTAssertTrue(note.contains("is \(Int(dpi)) dpi, an image program's print default, not a scale: no calibration"), note)
                XCTAssertEqual(info.calibrationNote, note)
            }
        }
        // `reticle inspect` says so.
        let o = try ImageInspector().inspect(path: dir.appendingPathComponent("p300.tif").path, options: InspectOptions())
        XCTAssertEqual(o["calibration"], .null)
        XCTAssertEqual(o["calibration_note"], "XResolution=118.11 /cm is 300 dpi, an image program's print default, not a scale: no calibration")
        // A real figure, and a density that is not a print default, still count.
        XCTAssertEqual(try roundTrip("real.tif", Calibration(umPerPixel: 0.5, source: .flag)).0.calibration?.umPerPixel ?? 0, 0.5,
                       accuracy: 1e-6)
        XCTAssertNil(try roundTrip("real.tif", Calibration(umPerPixel: 0.5, source: .flag)).0.calibrationNote)
        // 300 dpi on one axis only is not the program default pair.
        let mixed = try roundTrip("mixed.tif", Calibration(umPerPixelX: 25400 / 300, umPerPixelY: 50, source: .flag)).0
        XCTAssertEqual(mixed.calibration?.umPerPixelY ?? 0, 50, accuracy: 1e-3)
    }

    func testImplausibleDensitiesAreNoCalibrationNeverACrash() throws {
        // PNG pHYs 1 px/m → 1e6 µm/px.
        let (png, _) = try roundTrip("phys1.png", Calibration(umPerPixel: 1e6, source: .flag))
        XCTAssertNil(png.calibration)
        XCTAssertEqual(png.calibrationNote, "PNG pHYs gives 1e+06 µm/px, outside the 0.0001…100 µm/px a microscope produces: no calibration")
        // JFIF density 1/cm → 1e4 µm/px.
        let (jpeg, _) = try roundTrip("jfif1.jpg", Calibration(umPerPixel: 1e4, source: .flag))
        XCTAssertNil(jpeg.calibration)
        XCTAssertTrue(jpeg.calibrationNote?.contains("gives 10000 µm/px, outside") ?? false, jpeg.calibrationNote ?? "nil")
        // TIFF resolution 1/4294967295 per inch (the rationals patched in) and 1 dpi.
        let tinyPath = dir.appendingPathComponent("tiny.tif").path
        try ImageFile.write(flat(1024, 768, Calibration(umPerPixel: 1, source: .flag)), to: tinyPath)
        try TIFFResolutionPatch.set(path: tinyPath, x: (1, 4294967295), y: (1, 4294967295), unit: 2)
        let tiny = try ImageFile.read(path: tinyPath)
        XCTAssertNil(tiny.calibration)
        XCTAssertEqual(tiny.calibrationNote, "XResolution=2.32831e-10 /inch gives 1.09092e+14 µm/px, outside the 0.0001…100 µm/px a microscope produces: no calibration")
        try TIFFResolutionPatch.set(path: tinyPath, x: (1, 1), y: (1, 1), unit: 2)
        XCTAssertEqual(try ImageFile.read(path: tinyPath).calibrationNote,
                       "XResolution=1 /inch is 1 dpi, an image program's print default, not a scale: no calibration")
        // Anisotropic 2000000×20 /cm: 0.005 × 500 µm/px, the coarse axis impossible.
        let (aniso, info) = try roundTrip("aniso.tif", Calibration(umPerPixelX: 0.005, umPerPixelY: 500, source: .flag))
        XCTAssertNil(aniso.calibration)
        XCTAssertNil(info.calibration)
        XCTAssertEqual(aniso.calibrationNote,
                       "XResolution=2e+06 /cm, YResolution=20 /cm gives 0.005×500 µm/px, outside the 0.0001…100 µm/px a microscope produces: no calibration")
    }

    func testResamplerRefusesImplausibleScalesBeforeAllocating() throws {
        func calibrationError(_ body: @autoclosure () throws -> Image, contains text: String,
                              file: StaticString = #filePath, line: UInt = #line) {
            XCTAssertThrowsError(try body(), file: file, line: line) { error in
                let e = error as? ReticleError
                XCTAssertEqual(e?.kind, .calibration, "\(error)", file: file, line: line)
                XCTAssertTrue(e?.reason.contains(text) ?? false, "\(error)", file: file, line: line)
            }
        }
        let at169 = flat(1024, 768, Calibration(umPerPixel: 169, source: .flag))
        calibrationError(try Resampler.resample(at169, toMicronsPerPixel: 1), contains: "the image's pixel size 169 µm/px is outside the 0.0001…100 µm/px")
        // Plausible scales whose ratio would make a 90 GB image: the bound, with the numbers.
        let at84 = flat(1024, 768, Calibration(umPerPixel: 84.6667, source: .flag))
        calibrationError(try Resampler.resample(at84, toMicronsPerPixel: 0.5),
                         contains: "1024×768 px at 84.6667 µm/px resampled to 0.5 µm/px would be 173397×130048 px, more than the 134217728 samples")
        let fine = flat(1024, 768, Calibration(umPerPixel: 0.5, source: .flag))
        calibrationError(try Resampler.resample(fine, toMicronsPerPixel: 1e-4), contains: "would be 5120000×3840000 px")
        for bad in [0, -1, .nan, .infinity, 1e-300, 1e4] {
            calibrationError(try Resampler.resample(fine, toMicronsPerPixel: bad), contains: "the target pixel size")
        }
        let anisotropic = flat(64, 64, Calibration(umPerPixelX: 0.005, umPerPixelY: 500, source: .flag))
        calibrationError(try Resampler.resample(anisotropic, toMicronsPerPixel: 1), contains: "500 µm/px is outside")
        // Explicit sizes: the output, and the row pass when enlarging.
        calibrationError(try Resampler.resample(fine, width: 1 << 20, height: 1 << 20), contains: "1048576×1048576 px")
        calibrationError(try Resampler.resample(fine, width: 1 << 18, height: 256), contains: "(row pass)")
        // Within bounds nothing changes: 1024×768 at 0.5 → 1 µm/px is 512×384.
        let half = try Resampler.resample(fine, toMicronsPerPixel: 1)
        XCTAssertEqual([half.width, half.height], [512, 384])
        XCTAssertTrue(ScaleLimits.isPlausible(umPerPixel: 1e-4) && ScaleLimits.isPlausible(umPerPixel: 100))
        XCTAssertFalse(ScaleLimits.isPlausible(umPerPixel: 100.01) || ScaleLimits.isPlausible(umPerPixel: 9e-5))
    }

    func testManifestWithAnImplausibleScaleFailsAtLoad() throws {
        func manifest(scale: Double?, unit: String? = "um/px") -> String {
            let spec = ModelSpec(architecture: .resnet18, inputChannels: 1, heads: [HeadSpec(name: "type", classes: ["a", "b"])])
            let m = ModelManifest(spec: spec, preprocessing: Preprocessing(height: 8, width: 8, channels: 1, scale: scale, scaleUnit: unit))
            return m.json.serialized()
        }
        XCTAssertNoThrow(try ModelManifest(json: manifest(scale: 0.5)))
        XCTAssertNoThrow(try ModelManifest(json: manifest(scale: nil)))
        XCTAssertNoThrow(try ModelManifest(json: manifest(scale: 30, unit: "m/px")), "remote sensing scales are in metres")
        for bad in [1e-300, 1e-5, 169, 0, -1] {
            XCTAssertThrowsError(try ModelManifest(json: manifest(scale: bad), file: "m.safetensors")) { error in
                let e = error as? ReticleError
                XCTAssertEqual(e?.kind, .calibration)
                XCTAssertEqual(e?.file, "m.safetensors")
                XCTAssertTrue(e?.reason.hasPrefix("model manifest: preprocessing.scale") ?? false, "\(error)")
            }
        }
        XCTAssertThrowsError(try ModelManifest(json: manifest(scale: 0, unit: "m/px")))
    }
}
