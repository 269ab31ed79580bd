import Microstructure
import XCTest

final class GrainSizeStandardTests: XCTestCase {
    let astm = GrainSizeStandard.astmE112
    let iso = GrainSizeStandard.iso643

    func testASTMPlanimetricTableBothWays() {
        // E112 Table 4: G → N_A (grains/mm² at 1×).
        let table: [(Double, Double)] = [(0, 7.75), (1, 15.5), (5, 248), (8, 1984), (10, 7936), (-1, 3.875)]
        for (g, nA) in table {
            XCTAssertEqual(astm.grainsPerMM2(grainSizeNumber: g), nA, accuracy: 1e-9)
            XCTAssertEqual(astm.grainSizeNumber(grainsPerMM2: nA), g, accuracy: 1e-9)
            // The decimal form of DESIGN.md: G = 3.321928·log10(N_A) − 2.954.
            XCTAssertEqual(3.321928 * log10(nA) - 2.954, g, accuracy: 1e-3)
        }
    }

    func testASTMInterceptTableBothWays() {
        // ℓ̄ = 0.32 mm at G = 0, halving ℓ̄ adds 2 (E112 rounds the constant to −3.288, hence 3e-4).
        XCTAssertEqual(astm.grainSizeNumber(meanInterceptMM: 0.32), 0, accuracy: 3e-4)
        XCTAssertEqual(astm.grainSizeNumber(meanInterceptMM: 0.16), 2, accuracy: 3e-4)
        XCTAssertEqual(astm.grainSizeNumber(meanInterceptMM: 0.0226), 7.65, accuracy: 0.01)
        for g in stride(from: -3.0, through: 14, by: 0.5) {
            XCTAssertEqual(astm.grainSizeNumber(meanInterceptMM: astm.meanInterceptMM(grainSizeNumber: g)), g, accuracy: 1e-9)
        }
    }

    func testISOPlanimetricIsLog2MinusThreeAndSitsBelowASTM() {
        XCTAssertEqual(iso.grainSizeNumber(grainsPerMM2: 8), 0, accuracy: 1e-12)
        XCTAssertEqual(iso.grainSizeNumber(grainsPerMM2: 256), 5, accuracy: 1e-12)
        XCTAssertEqual(iso.grainsPerMM2(grainSizeNumber: 3), 64, accuracy: 1e-12)
        for nA in [10.0, 100, 1000, 12_345] {
            XCTAssertEqual(astm.grainSizeNumber(grainsPerMM2: nA) - iso.grainSizeNumber(grainsPerMM2: nA), 0.0458, accuracy: 1e-4)
        }
    }

    func testFormulasNameEditionAndConstants() {
        XCTAssertEqual(astm.formulas, "ASTM E112-13: N_A = 7.75·2^G per mm² at 1×; G = −6.643856·log10(ℓ̄/mm) − 3.2880")
        XCTAssertTrue(iso.formulas.hasPrefix("ISO 643:2019: N_A = 8·2^G"))
    }
}
