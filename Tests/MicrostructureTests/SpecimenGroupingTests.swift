// The specimen rule: only a trailing field number ([-_]digits) is stripped, so plate-A and
// plate-B are two specimens; a pattern or manifest that does not cover a file says so.

import Foundation
import XCTest
import Microstructure
import TestSupport

final class SpecimenGroupingTests: XCTestCase {
    func testDefaultRuleStripsOnlyATrailingFieldNumber() {
        let cases = ["s0001-03.tif": "s0001", "plate_12.png": "plate", "plate-A.tif": "plate-A", "plate-B.tif": "plate-B",
                     "heat-7-B.tif": "heat-7-B", "a-b-2.tif": "a-b", "2024.tif": "2024", "-5.tif": "-5", "x_.tif": "x_",
                     "dir/s9-01.tif": "s9"]
        for (file, specimen) in cases {
            XCTAssertEqual(SpecimenGrouping.defaultSpecimen(of: file), specimen, file)
        }
    }

    func testPatternAndManifestMissesAreWarningsNamingTheFile() throws {
        let pattern = try SpecimenGrouping(.pattern("^(heat[0-9]+)"))
        XCTAssertEqual(pattern.assign("heat12-a.tif").specimen, "heat12")
        XCTAssertNil(pattern.assign("heat12-a.tif").warning)
        let miss = pattern.assign("lab/plate-A.tif")
        XCTAssertEqual(miss.specimen, "plate-A")
        XCTAssertTrue(miss.warning?.hasPrefix("lab/plate-A.tif: --specimen-pattern") == true, miss.warning ?? "")
        let manifest = try SpecimenGrouping(.manifest(["a.tif": "S1"]))
        XCTAssertEqual(manifest.assign("a.tif").specimen, "S1")
        XCTAssertTrue(manifest.assign("b-2.tif").warning?.contains("b-2.tif: not in the specimen manifest") == true)
        XCTAssertEqual(manifest.assign("b-2.tif").specimen, "b")
    }
}
