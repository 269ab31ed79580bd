// Equiaxed generated micrographs, optics and noise included, measure within 0.3 G of their
// true grain size by every planimetric and intercept method.

import Foundation
import Microstructure
import Shared
import XCTest

final class SynthEquiaxedGrainSizeTests: XCTestCase {
    func testMeasuredGrainSizeIsWithinThreeTenthsOfTruth() throws {
        for (seed, grainUM) in [(UInt64(11), 9.0), (12, 12.0)] {
            let specimen = SynthSpecimen(id: "eq", type: .equiaxed, needleClass: 1, targetNeedleLengthUM: grainUM / 3,
                                         grainSizeUM: grainUM, constituents: [], seed: seed)
            let m = try MicrographSynthesizer().micrograph(of: specimen, field: 0, width: 480, height: 320, umPerPixel: 0.5)
            let result = try GrainSizeAnalysis().measure(m.image, umPerPixel: 0.5)
            let truth = m.truth.grainSize
            for method in GrainSizeMethod.allCases {
                let g = try XCTUnwrap(result[method.rawValue]?["G"]?.doubleValue, method.rawValue)
                let expected = method.isPlanimetric ? truth.astmG
                                                    : GrainSizeStandard.astmE112.grainSizeNumber(meanInterceptMM: truth.meanInterceptMM)
                XCTAssertEqual(g, expected, accuracy: 0.3, "\(method.rawValue), \(grainUM) µm grains, seed \(seed)")
            }
        }
    }

    func testDrawnEquiaxedSpecimensMeasureToo() throws {
        // Class 1 of the default scale: grains 5–15 µm across.
        let m = try SyntheticMicrograph(type: .equiaxed, needleClass: 1, width: 480, height: 320, umPerPixel: 0.5, seed: 21)
        let result = try GrainSizeAnalysis().measure(m.image, umPerPixel: 0.5)
        let g = try XCTUnwrap(result["planimetric-rectangle"]?["G"]?.doubleValue)
        XCTAssertEqual(g, m.truth.grainSize.astmG, accuracy: 0.3)
    }
}
