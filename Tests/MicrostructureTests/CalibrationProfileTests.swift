// Instrument profiles: microscope → objective → µm/px, flat entries, bar lengths, and errors
// that name the file and the missing key.

import Foundation
import Microstructure
import Shared
import XCTest

final class CalibrationProfileTests: XCTestCase {
    let lab: JSONValue = [
        "scale_bar_um": 50,
        "microscopes": [
            "axio": [
                "scale_bar_um": 100,
                "objectives": ["10x": 0.645, "50x": ["um_per_px": 0.129, "scale_bar_um": 20]],
            ],
            "stereo": ["um_per_px": "2.5"],
        ],
    ]

    func testNestedAndFlatEntries() throws {
        let p = try InstrumentProfile(file: "/labs/lab.yaml", document: lab)
        XCTAssertEqual(p.microscopeNames, ["axio", "stereo"])

        let ten = try p.entry(microscope: "axio", objective: "10x")
        XCTAssertEqual(ten.umPerPixel, 0.645)
        XCTAssertEqual(ten.scaleBarUM, 100, "microscope's bar length beats the profile's")
        XCTAssertEqual(ten.detail, "lab.yaml: microscope axio, objective 10x")

        let fifty = try p.entry(microscope: "axio", objective: "50X")
        XCTAssertEqual(fifty.umPerPixel, 0.129, "objective names match ignoring case")
        XCTAssertEqual(fifty.scaleBarUM, 20)

        let stereo = try p.entry(microscope: "stereo", objective: nil)
        XCTAssertEqual(stereo.umPerPixel, 2.5, "numeric strings are numbers")
        XCTAssertEqual(stereo.scaleBarUM, 50, "profile-wide bar length")
        XCTAssertNil(stereo.objective)
    }

    func testTopLevelMicroscopesWithoutWrappers() throws {
        let p = try InstrumentProfile(file: "p.yaml", document: ["olympus": ["5x": 1.3, "20x": 0.32]])
        XCTAssertEqual(try p.entry(microscope: nil, objective: "20x").umPerPixel, 0.32, "the only microscope")
        let one = try InstrumentProfile(file: "p.yaml", document: ["olympus": ["20x": 0.32]])
        XCTAssertEqual(try one.entry(microscope: nil, objective: nil).umPerPixel, 0.32, "the only objective")
    }

    func testErrorsNameTheFileAndTheKey() throws {
        let p = try InstrumentProfile(file: "lab.yaml", document: lab)
        assertError(try p.entry(microscope: "zeiss", objective: "10x"), "lab.yaml: no microscope 'zeiss' (the profile has axio, stereo)")
        assertError(try p.entry(microscope: "axio", objective: "20x"), "lab.yaml: microscope 'axio' has no objective '20x' (it has 10x, 50x)")
        assertError(try p.entry(microscope: "axio", objective: nil), "lab.yaml: microscope 'axio' has objectives 10x, 50x: choose one with --objective")
        assertError(try p.entry(microscope: nil, objective: "10x"), "lab.yaml: the profile has microscopes axio, stereo: choose one with --microscope")

        assertError(try InstrumentProfile(file: "bad.yaml", document: ["axio": ["50x": ["scale_bar_um": 20]]]),
                    "bad.yaml: axio.50x: missing key um_per_px")
        assertError(try InstrumentProfile(file: "bad.yaml", document: ["axio": ["50x": -1]]),
                    "bad.yaml: axio.50x: must be a positive number, got -1")
        assertError(try InstrumentProfile(file: "bad.yaml", document: ["axio": ["50x": "fast"]]),
                    "bad.yaml: axio.50x: expected µm/px or {um_per_px: …}, got \"fast\"")
        assertError(try InstrumentProfile(file: "bad.yaml", document: ["scale_bar_um": 50]),
                    "bad.yaml: defines no microscopes (expected microscope → objective → um_per_px)")
        assertError(try InstrumentProfile(file: "bad.yaml", document: [1, 2]),
                    "bad.yaml: not an instrument profile: expected a mapping of microscope names to objectives and µm/px")
    }

    func assertError<T>(_ body: @autoclosure () throws -> T, _ message: String, line: UInt = #line) {
        XCTAssertThrowsError(try body(), line: line) { error in
            XCTAssertEqual((error as? ReticleError)?.description, message, line: line)
        }
    }
}
