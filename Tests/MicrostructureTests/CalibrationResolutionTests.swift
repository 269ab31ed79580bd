// Which µm/px a micrograph gets: flag, profile, file metadata, scale bar, in that order,
// with disagreements reported and a clear error when nothing gives a scale.

import Foundation
import Microstructure
import Shared
import TestSupport
import XCTest

final class CalibrationResolutionTests: XCTestCase {
    /// The acceptance case: a burned-in 50 µm bar at 0.4 µm/px (125 px).
    func barImage(seed: UInt64 = 3) -> Image {
        var m = BurnedInMicrograph(seed: seed)
        m.burnBar(x: 480, y: 440, length: 125, thickness: 6, level: 255)
        m.burnLabel(x: 500, y: 416, level: 255)
        return m.image
    }

    func testScaleBarAloneGivesTheScaleWithinOnePercent() throws {
        let r = try MicrographCalibration(scaleBarUM: 50).resolve(barImage(), path: "a.png")
        XCTAssertEqual(r.source, .scaleBar)
        XCTAssertEqual(r.umPerPixel, 0.4, accuracy: 0.004)
        XCTAssertEqual(r.scaleBarUM, 50)
        XCTAssertTrue(r.calibration.detail?.hasPrefix("50 µm bar (length from --scale-bar-um) = 12") ?? false, r.calibration.detail ?? "")
        XCTAssertEqual(r.warnings, [])
        XCTAssertEqual(r.excludedRegions.count, 1)
        XCTAssertTrue(r.excludedRegions[0].contains(PixelRect(x: 480, y: 440, width: 125, height: 6)))
        XCTAssertEqual(r.applied(to: barImage()).calibration?.source, .scaleBar)
    }

    func testBarLengthFromTheProfile() throws {
        let profile = try InstrumentProfile(file: "lab.yaml", document: ["axio": ["scale_bar_um": 50, "objectives": ["20x": 0.4]]])
        let r = try MicrographCalibration(profile: profile, microscope: "axio", objective: "20x").resolve(barImage(), path: "a.png")
        XCTAssertEqual(r.source, .instrumentProfile)
        XCTAssertEqual(r.umPerPixel, 0.4)
        XCTAssertEqual(r.figures.map(\.source), [.instrumentProfile, .scaleBar])
        XCTAssertEqual(r.figures[1].umPerPixel, 0.4, accuracy: 0.004)
        XCTAssertTrue(r.figures[1].detail?.contains("length from instrument profile") ?? false)
        XCTAssertEqual(r.warnings, [], "profile and bar agree within 2 %")
    }

    func testOrderFlagProfileFileBar() throws {
        var image = barImage()
        image.calibration = Calibration(umPerPixel: 0.25, source: .tiffResolution, detail: "XResolution=40000 /cm")
        let profile = try InstrumentProfile(file: "lab.yaml", document: ["axio": ["50x": 0.13]])

        let all = try MicrographCalibration(umPerPixel: 0.5, profile: profile, scaleBarUM: 50).resolve(image, path: "a.tif")
        XCTAssertEqual(all.source, .flag)
        XCTAssertEqual(all.umPerPixel, 0.5)
        XCTAssertEqual(all.calibration.detail, "--um-per-px 0.5")
        XCTAssertEqual(all.figures.map(\.source), [.flag, .instrumentProfile, .tiffResolution, .scaleBar])
        XCTAssertEqual(all.warnings.count, 3, all.warnings.joined(separator: "\n"))

        let protocolFigure = try MicrographCalibration(umPerPixel: 0.5, source: .protocolFile, profileEntry: nil).resolve(image, path: "a.tif")
        XCTAssertEqual(protocolFigure.source, .protocolFile)
        XCTAssertEqual(protocolFigure.calibration.detail, "protocol um_per_px 0.5")

        let noFlag = try MicrographCalibration(profile: profile, scaleBarUM: 50).resolve(image, path: "a.tif")
        XCTAssertEqual(noFlag.source, .instrumentProfile)
        XCTAssertEqual(noFlag.umPerPixel, 0.13)

        let fileOnly = try MicrographCalibration(scaleBarUM: 50).resolve(image, path: "a.tif")
        XCTAssertEqual(fileOnly.source, .tiffResolution)
        XCTAssertEqual(fileOnly.umPerPixel, 0.25)
        // The bar says 0.4, the tags 0.25: reported, the higher-priority figure kept.
        XCTAssertEqual(fileOnly.warnings.count, 1)
        let warning = try XCTUnwrap(fileOnly.warnings.first)
        XCTAssertTrue(warning.hasPrefix("scale-bar says 0.4"), warning)
        XCTAssertTrue(warning.contains("60 % from the tiff-resolution figure 0.25 µm/px that is used"), warning)
    }

    func testTIFFResolutionReadFromAFile() throws {
        let dir = makeTemporaryDirectory("reticle-calibration")
        defer { try? FileManager.default.removeItem(at: dir) }
        var image = barImage()
        image.calibration = Calibration(umPerPixel: 0.4, source: .flag)
        let path = dir.appendingPathComponent("bar.tif").path
        try ImageFile.write(image, to: path)
        let r = try MicrographCalibration(scaleBarUM: 50).resolve(try ImageFile.read(path: path), path: path)
        XCTAssertEqual(r.source, .tiffResolution)
        XCTAssertEqual(r.umPerPixel, 0.4, accuracy: 1e-6)
        XCTAssertEqual(r.figures.map(\.source), [.tiffResolution, .scaleBar])
        XCTAssertEqual(r.warnings, [])
    }

    func testNoCalibrationIsAClearError() throws {
        let plain = BurnedInMicrograph(seed: 4).image
        XCTAssertThrowsError(try MicrographCalibration().resolve(plain, path: "lab/x.png")) { error in
            let e = error as? ReticleError
            XCTAssertEqual(e?.kind, .calibration)
            XCTAssertEqual(e?.description, "lab/x.png: no µm/px: give --um-per-px, an instrument profile, or --scale-bar-um for the burned-in bar (the file has no resolution tags and no scale bar was found)")
        }
        // A bar without a known length is found and named, but gives no scale.
        XCTAssertThrowsError(try MicrographCalibration().resolve(barImage(), path: "b.png")) { error in
            XCTAssertTrue("\(error)".contains("(a 125 px scale bar was found at x 480, y 440)"), "\(error)")
        }
        XCTAssertThrowsError(try MicrographCalibration(umPerPixel: -2).resolve(plain, path: "c.png")) { error in
            XCTAssertEqual((error as? ReticleError)?.kind, .calibration)
        }
    }

    /// A figure no microscope produces is refused before any work, naming the file and the figure.
    func testImplausibleFiguresAreCalibrationErrors() throws {
        let plain = BurnedInMicrograph(seed: 4).image
        for (given, text) in [(169.0, "--um-per-px 169 µm/px is outside the 0.0001…100 µm/px"), (1e4, "--um-per-px 10000 µm/px"),
                              (1e-300, "--um-per-px 1e-300 µm/px"), (.nan, "--um-per-px must be a positive number")] {
            XCTAssertThrowsError(try MicrographCalibration(umPerPixel: given).resolve(plain, path: "lab/x.png")) { error in
                let e = error as? ReticleError
                XCTAssertEqual(e?.kind, .calibration)
                XCTAssertEqual(e?.file, "lab/x.png")
                XCTAssertTrue(e?.reason.hasPrefix(text) ?? false, "\(error)")
            }
        }
        let profile = try InstrumentProfile(file: "lab.yaml", document: ["stereo": ["um_per_px": 250]])
        XCTAssertThrowsError(try MicrographCalibration(profile: profile, microscope: "stereo").resolve(plain, path: "y.png")) { error in
            XCTAssertEqual((error as? ReticleError)?.kind, .calibration)
            XCTAssertTrue("\(error)".contains("instrument-profile figure"), "\(error)")
        }
        // A print default in the file is no calibration, and the error says why.
        var printed = plain
        printed.calibrationNote = "XResolution=118.11 /cm is 300 dpi, an image program's print default, not a scale: no calibration"
        XCTAssertThrowsError(try MicrographCalibration().resolve(printed, path: "p.tif")) { error in
            XCTAssertTrue("\(error)".hasSuffix("(XResolution=118.11 /cm is 300 dpi, an image program's print default, not a scale: no calibration; no scale bar was found)"), "\(error)")
        }
    }

    func testJSONCarriesEverythingCalibrateShows() throws {
        let r = try MicrographCalibration(scaleBarUM: 50).resolve(barImage(), path: "a.png")
        let o = r.json
        XCTAssertEqual(o.keys, ["um_per_px", "source", "detail", "scale_bar", "figures", "warnings"])
        XCTAssertEqual(o["source"], "scale-bar")
        let bar = try XCTUnwrap(o["scale_bar"]?.objectValue)
        XCTAssertEqual(bar["x"]?.intValue, 480)
        XCTAssertEqual(bar["y"]?.intValue, 440)
        XCTAssertEqual(bar["length_um"]?.doubleValue, 50)
        XCTAssertEqual(bar["length_px"]?.doubleValue ?? 0, 125, accuracy: 0.5)
        XCTAssertNotNil(bar["mask"]?.objectValue)
    }
}
