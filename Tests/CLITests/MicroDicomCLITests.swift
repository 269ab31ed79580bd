// DICOM micrographs through the micro commands: PixelSpacing is a calibration like TIFF tags,
// with the same figure and detail in `inspect`, and the same G as the PNG of the same pixels.

import Foundation
import Medical
import Microstructure
import Shared
import TestSupport
import XCTest

final class MicroDicomCLITests: XCTestCase {
    var dir: URL!

    override func setUp() { dir = makeTemporaryDirectory("reticle-micro-dicom") }
    override func tearDown() { try? FileManager.default.removeItem(at: dir) }

    /// A 480×360 etched equiaxed micrograph written as lab/grains.png and as DICOM files: with
    /// PixelSpacing 0.0004 mm (0.4 µm/px), without it, and as a 2-frame stack.
    func makeFolder() throws -> URL {
        let lab = dir.appendingPathComponent("lab")
        try FileManager.default.createDirectory(at: lab, withIntermediateDirectories: true)
        let structure = VoronoiStructure(width: 480, height: 360, meanGrainAreaPx: 250, seed: 5)
        var image = MicrographRenderer().render(structure.map, seed: 5)
        image.calibration = nil
        guard case .uint8(let pixels) = image.storage, image.channels == 1 else { throw XCTSkip("renderer is not 8-bit grey") }
        try ImageFile.write(image, to: lab.appendingPathComponent("grains.png").path)
        try DicomBytes.micrograph(pixels: pixels, rows: 360, columns: 480, spacingMM: (0.0004, 0.0004))
            .write(to: lab.appendingPathComponent("grains.dcm"))
        try DicomBytes.micrograph(pixels: pixels, rows: 360, columns: 480, spacingMM: nil)
            .write(to: lab.appendingPathComponent("unscaled.dcm"))
        try DicomBytes.micrograph(pixels: pixels, rows: 360, columns: 480, spacingMM: (0.0004, 0.0004), frames: 2)
            .write(to: lab.appendingPathComponent("stack.dcm"))
        return lab
    }


    func testPixelSpacingIsTheCalibrationEverywhere() throws {
        let lab = try makeFolder()
        let dcm = lab.appendingPathComponent("grains.dcm").path
        let detail = "PixelSpacing (0028,0030) = 0.0004\\0.0004 mm"

        let calibrate = try ReticleProcess.run(["micro", "calibrate", dcm, "--json"])
        XCTAssertEqual(calibrate.status, 0, calibrate.stderr)
        let row = try XCTUnwrap(rowsByFile(calibrate.stdout)["grains.dcm"])
        XCTAssertEqual(row["width"]?.intValue, 480)
        XCTAssertEqual(row["height"]?.intValue, 360)
        XCTAssertEqual(row["source"], "vendor-metadata")
        XCTAssertEqual(row["um_per_px"]?.doubleValue, 0.4)
        XCTAssertEqual(row["detail"]?.stringValue, detail)

        let inspect = try ReticleProcess.run(["inspect", dcm, "--json"])
        XCTAssertEqual(inspect.status, 0, inspect.stderr)
        let described = try XCTUnwrap(JSONValue.parse(inspect.stdout).arrayValue?.first)
        let calibration = try XCTUnwrap(described["calibration"]?.objectValue, inspect.stdout)
        XCTAssertEqual(calibration["um_per_px_x"]?.doubleValue, 0.4)
        XCTAssertEqual(calibration["detail"]?.stringValue, detail, "inspect and micro name the same source")

        // The same pixels as PNG with the scale given by flag: the same measurement to the last digit.
        let fromDicom = try ReticleProcess.run(["micro", "grainsize", dcm, "--json"])
        let fromPNG = try ReticleProcess.run(["micro", "grainsize", lab.appendingPathComponent("grains.png").path,
                                              "--um-per-px", "0.4", "--json"])
        XCTAssertEqual(fromDicom.status, 0, fromDicom.stderr)
        XCTAssertEqual(fromPNG.status, 0, fromPNG.stderr)
        let d = try XCTUnwrap(rowsByFile(fromDicom.stdout)["grains.dcm"]), p = try XCTUnwrap(rowsByFile(fromPNG.stdout)["grains.png"])
        for method in ["planimetric-circle", "intercept-lines"] {
            let g = try XCTUnwrap(d[method]?["G"]?.doubleValue, fromDicom.stdout)
            XCTAssertEqual(g, try XCTUnwrap(p[method]?["G"]?.doubleValue), accuracy: 1e-9, method)
            XCTAssertEqual(g, 11.6, accuracy: 0.5, "250 px grains at 0.4 µm/px (40 µm²) are G ≈ 11.6")
        }
        XCTAssertEqual(d["calibration"]?["source"], "vendor-metadata")
    }

    func testDicomWithoutSpacingOrWithFramesIsAnErrorRowNamingTheReason() throws {
        let lab = try makeFolder()
        let r = try ReticleProcess.run(["micro", "calibrate", lab.path, "--json"])
        XCTAssertEqual(r.status, 2, "failed files → 2; stderr: \(r.stderr)")
        let byFile = try rowsByFile(r.stdout)
        XCTAssertEqual(byFile.keys.sorted(), ["lab/grains.dcm", "lab/grains.png", "lab/stack.dcm", "lab/unscaled.dcm"])
        XCTAssertEqual(byFile["lab/grains.dcm"]?["status"], "ok")
        XCTAssertEqual(byFile["lab/unscaled.dcm"]?["error"]?.stringValue,
                       "lab/unscaled.dcm: no µm/px: give --um-per-px, an instrument profile, or --scale-bar-um for the burned-in bar (the DICOM file has no PixelSpacing, Pixel Measures or ImagerPixelSpacing; no scale bar was found)")
        let stack = byFile["lab/stack.dcm"]?["error"]?.stringValue ?? ""
        XCTAssertTrue(stack.contains("lab/stack.dcm: a multi-frame DICOM object (2 frames: a stack or a whole-slide image)"), stack)
    }

    /// A demo micrograph graded as TIFF (scale by flag) and as DICOM (scale from PixelSpacing): the same
    /// type and confidences, with the DICOM's calibration named.
    func testGradeReadsADicomMicrograph() throws {
        let demo = Corpus.projectRoot.appendingPathComponent("fixtures/demo-steel/images")
        let name = try XCTUnwrap(FileManager.default.contentsOfDirectory(atPath: demo.path).sorted().first { $0.hasSuffix(".tif") })
        let tif = demo.appendingPathComponent(name).path
        let image = try ImageFile.read(path: tif)
        guard case .uint8(let pixels) = image.storage, image.channels == 1 else { throw XCTSkip("\(name) is not 8-bit grey") }
        let dcm = dir.appendingPathComponent("micrograph.dcm")
        try DicomBytes.micrograph(pixels: pixels, rows: UInt16(image.height), columns: UInt16(image.width), spacingMM: (0.0005, 0.0005))
            .write(to: dcm)
        let model = Corpus.projectRoot.appendingPathComponent("fixtures/models/steel-demo.safetensors").path
        let a = try ReticleProcess.run(["micro", "grade", tif, "--um-per-px", "0.5", "--model", model, "--json", "--quiet"])
        let b = try ReticleProcess.run(["micro", "grade", dcm.path, "--model", model, "--json", "--quiet"])
        XCTAssertEqual(a.status, 0, a.stderr)
        XCTAssertEqual(b.status, 0, b.stderr)
        let ra = try XCTUnwrap(JSONValue.parse(a.stdout).arrayValue?.first), rb = try XCTUnwrap(JSONValue.parse(b.stdout).arrayValue?.first)
        XCTAssertNotNil(ra["type"]?.stringValue)
        XCTAssertEqual(rb["type"], ra["type"])
        XCTAssertEqual(rb["confidence"]?.doubleValue ?? -1, ra["confidence"]?.doubleValue ?? -2, accuracy: 1e-9)
        XCTAssertEqual(rb["calibration"]?["source"], "vendor-metadata")
        XCTAssertEqual(rb["calibration"]?["um_per_px"]?.doubleValue, 0.5)
    }

    /// Folder scans of `micro train`/`evaluate` (a folder per type) and of `micro quantize --calibrate` take DICOM
    /// files when the reader has the DICOM decoder, and only rasters without it.
    func testFolderScansTakeDicomThroughTheReader() throws {
        let lab = try makeFolder()
        let data = dir.appendingPathComponent("types")
        for t in ["ferrite", "pearlite"] {
            let folder = data.appendingPathComponent(t)
            try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
            try FileManager.default.copyItem(at: lab.appendingPathComponent("grains.dcm"), to: folder.appendingPathComponent("x-\(t).dcm"))
            try FileManager.default.copyItem(at: lab.appendingPathComponent("grains.png"), to: folder.appendingPathComponent("y-\(t).png"))
        }
        let reader = ImageReader(Medical.imageDecoders)
        XCTAssertEqual(try GradingDataset.load(data.path, reader: reader).micrographs.map(\.name).sorted(),
                       ["ferrite/x-ferrite.dcm", "ferrite/y-ferrite.png", "pearlite/x-pearlite.dcm", "pearlite/y-pearlite.png"])
        XCTAssertEqual(try GradingDataset.load(data.path).micrographs.map(\.name).sorted(), ["ferrite/y-ferrite.png", "pearlite/y-pearlite.png"])
        XCTAssertEqual(try CalibrationImages.files(in: data.path, reader: reader).count, 4)
        XCTAssertEqual(try CalibrationImages.files(in: data.path).count, 2)
    }
}
