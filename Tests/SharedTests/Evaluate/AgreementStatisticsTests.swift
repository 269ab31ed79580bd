// Agreement statistics against published worked examples.
//
// Sources:
// - Cohen's κ: the two-reader grant example in Wikipedia, "Cohen's kappa" (20 yes/yes, 5 yes/no,
//   10 no/yes, 15 no/no: p_o = 0.7, p_e = 0.5, κ = 0.4); weighted κ: scikit-learn's
//   test_cohen_kappa (sklearn/metrics/tests/test_classification.py): 0.9315 unweighted,
//   0.9412 linear, 0.9541 quadratic; 0.348 on its two-class example.
// - Fleiss' κ: the worked example in Wikipedia, "Fleiss' kappa" (10 subjects, 14 raters,
//   5 categories): P̄ = 0.378, P̄e = 0.213, κ = 0.210 (0.20993 unrounded).
// - Krippendorff's α: the reliability data of Krippendorff (2011), "Computing Krippendorff's
//   Alpha-Reliability", Annenberg School for Communication, section C (4 observers, 12 units,
//   missing values): nominal α = 0.743, ordinal α = 0.815, interval α = 0.849 (the same values
//   are asserted by pyirr's test_kripp_alpha and R irr::kripp.alpha's example).

import Foundation
import Shared
import XCTest

final class AgreementStatisticsTests: XCTestCase {
    func testCohenKappaTwoReaderExample() throws {
        // Codes: 0 yes, 1 no.
        let a = [Int?](repeating: 0, count: 25) + [Int?](repeating: 1, count: 25)
        let b = [Int?](repeating: 0, count: 20) + [Int?](repeating: 1, count: 5)
            + [Int?](repeating: 0, count: 10) + [Int?](repeating: 1, count: 15)
        let k = try CohenKappa(a, b, categories: 2)
        XCTAssertEqual(k.count, 50)
        XCTAssertEqual(k.agreement, 0.7, accuracy: 1e-12)
        XCTAssertEqual(try XCTUnwrap(k.kappa), 0.4, accuracy: 1e-12)
        // Symmetric, and missing ratings are skipped, not counted as disagreement.
        XCTAssertEqual(try XCTUnwrap(CohenKappa(b, a, categories: 2).kappa), 0.4, accuracy: 1e-12)
        XCTAssertEqual(try XCTUnwrap(CohenKappa(a + [nil, 0], b + [1, nil], categories: 2).kappa), 0.4, accuracy: 1e-12)
    }

    func testWeightedCohenKappaAgainstScikitLearn() throws {
        let y1 = [Int?](repeating: 0, count: 46) + [Int?](repeating: 1, count: 44) + [Int?](repeating: 2, count: 10)
        let y2 = [Int?](repeating: 0, count: 50) + [Int?](repeating: 1, count: 40) + [Int?](repeating: 2, count: 10)
        XCTAssertEqual(try XCTUnwrap(CohenKappa(y1, y2, categories: 3).kappa), 0.9315, accuracy: 5e-5)
        XCTAssertEqual(try XCTUnwrap(CohenKappa(y1, y2, categories: 3, weighting: .linear).kappa), 0.9412, accuracy: 5e-5)
        XCTAssertEqual(try XCTUnwrap(CohenKappa(y1, y2, categories: 3, weighting: .quadratic).kappa), 0.9541, accuracy: 5e-5)

        let a = [Int?](repeating: 0, count: 40) + [Int?](repeating: 1, count: 60)
        let b = [Int?](repeating: 0, count: 20) + [Int?](repeating: 1, count: 20) + [Int?](repeating: 0, count: 10) + [Int?](repeating: 1, count: 50)
        XCTAssertEqual(try XCTUnwrap(CohenKappa(a, b, categories: 2).kappa), 0.348, accuracy: 5e-4)
    }

    func testCohenKappaUndefinedCases() throws {
        XCTAssertNil(try CohenKappa([0, 0, 0], [0, 0, 0], categories: 2).kappa, "one category throughout: chance explains all")
        XCTAssertNil(try CohenKappa([nil, 1], [0, nil], categories: 2).kappa, "no shared units")
        XCTAssertEqual(try CohenKappa([nil, 1], [0, nil], categories: 2).count, 0)
        XCTAssertEqual(try CohenKappa([0, 1, 2], [0, 1, 2], categories: 3, weighting: .quadratic).kappa, 1)
    }

    func testFleissKappaWikipediaExample() throws {
        let counts = [
            [0, 0, 0, 0, 14], [0, 2, 6, 4, 2], [0, 0, 3, 5, 6], [0, 3, 9, 2, 0], [2, 2, 8, 1, 1],
            [7, 7, 0, 0, 0], [3, 2, 6, 3, 0], [2, 5, 3, 2, 2], [6, 5, 2, 1, 0], [0, 2, 2, 3, 7],
        ]
        let f = FleissKappa(counts: counts)
        XCTAssertEqual(f.units, 10)
        XCTAssertEqual(f.ratingsPerUnit, 14...14)
        XCTAssertEqual(f.observedAgreement, 0.378, accuracy: 5e-4)
        XCTAssertEqual(f.expectedAgreement, 0.213, accuracy: 5e-4)
        XCTAssertEqual(try XCTUnwrap(f.kappa), 0.20993, accuracy: 5e-5)
    }

    func testFleissKappaFromATableEqualsCounts() throws {
        // Three raters, six images, one missing rating: the image with two ratings counts its one pair.
        let t = try RatingTable(matrix: [[0, 0, 0], [0, 1, 1], [1, 1, 1], [2, 2, 1], [2, 2, 2], [0, nil, 0]])
        let f = FleissKappa(t)
        XCTAssertEqual(f.units, 6)
        XCTAssertEqual(f.ratingsPerUnit, 2...3)
        // P_i: 1, 1/3, 1, 1/3, 1, 1 → P̄ = 14/18; pooled shares 6/17, 6/17, 5/17.
        XCTAssertEqual(f.observedAgreement, 14.0 / 18, accuracy: 1e-12)
        let pe = (36.0 + 36 + 25) / (17 * 17)
        XCTAssertEqual(try XCTUnwrap(f.kappa), (14.0 / 18 - pe) / (1 - pe), accuracy: 1e-12)
    }

    /// Krippendorff (2011) section C: observers A–D (columns), units 1–12 (rows), values 1–5.
    let krippendorff2011: [[Int?]] = [
        [1, 1, nil, 1], [2, 2, 3, 2], [3, 3, 3, 3], [3, 3, 3, 3], [2, 2, 2, 2], [1, 2, 3, 4],
        [4, 4, 4, 4], [1, 1, 2, 1], [2, 2, 2, 2], [nil, 5, 5, 5], [nil, nil, 1, 1], [nil, nil, 3, nil],
    ]

    func testKrippendorffAlphaCanonicalExample() throws {
        // Values 1...5 as codes 0...4, categories named by the values.
        let t = try RatingTable(matrix: krippendorff2011.map { $0.map { $0.map { $0 - 1 } } }, categories: ["1", "2", "3", "4", "5"])
        let nominal = KrippendorffAlpha(t, metric: .nominal)
        XCTAssertEqual(nominal.units, 11, "unit 12 has one value: not pairable")
        XCTAssertEqual(nominal.pairableValues, 40)
        XCTAssertEqual(try XCTUnwrap(nominal.alpha), 0.743, accuracy: 5e-4)
        XCTAssertEqual(try XCTUnwrap(KrippendorffAlpha(t, metric: .ordinal).alpha), 0.815, accuracy: 5e-4)
        XCTAssertEqual(try XCTUnwrap(KrippendorffAlpha(t, metric: .interval).alpha), 0.849, accuracy: 5e-4)
    }

    func testKrippendorffAlphaEdgeCases() throws {
        XCTAssertNil(KrippendorffAlpha(try RatingTable(matrix: [[0, 0], [0, 0]]), metric: .nominal).alpha, "no variation")
        XCTAssertNil(KrippendorffAlpha(try RatingTable(matrix: [[0, nil], [nil, 1]]), metric: .nominal).alpha, "nothing pairable")
        XCTAssertEqual(KrippendorffAlpha(try RatingTable(matrix: [[0, 0], [1, 1], [2, 2]]), metric: .ordinal).alpha, 1)
    }

    func testNaturalOrderOfCategories() {
        XCTAssertEqual(RatingTable.naturalOrder(["10", "2", "1.5"]), ["1.5", "2", "10"])
        XCTAssertEqual(RatingTable.naturalOrder(["N10", "N2", "N1"]), ["N1", "N2", "N10"])
    }
}
