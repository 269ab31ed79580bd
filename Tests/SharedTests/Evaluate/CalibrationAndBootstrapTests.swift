// Weighted kappa against scikit-learn, expected calibration error on a case small enough to
// check by hand, and the bootstrap: determinism per seed, intervals around the estimate, groups.

import Foundation
import Shared
import XCTest

final class CalibrationAndBootstrapTests: XCTestCase {
    func testWeightedKappaOnFourOrdinalCategories() throws {
        // cohen_kappa_score(a, b, weights=None / "linear" / "quadratic"), scripts/evaluate_reference.py.
        let a: [Int?] = [0, 1, 2, 2, 1, 0, 3, 3, 2, 1], b: [Int?] = [0, 2, 2, 1, 1, 0, 3, 2, 2, 0]
        XCTAssertEqual(try XCTUnwrap(CohenKappa(a, b, categories: 4).kappa), 0.45945945945945954, accuracy: 1e-12)
        XCTAssertEqual(try XCTUnwrap(CohenKappa(a, b, categories: 4, weighting: .linear).kappa), 0.6491228070175439, accuracy: 1e-12)
        XCTAssertEqual(try XCTUnwrap(CohenKappa(a, b, categories: 4, weighting: .quadratic).kappa), 0.8095238095238095, accuracy: 1e-12)
        XCTAssertThrowsError(try CohenKappa(a, [0, 1], categories: 4)) { error in
            XCTAssertTrue("\(error)".contains("10 and 2 units"), "\(error)")
        }
        XCTAssertThrowsError(try CohenKappa([0, -1], [0, 1], categories: 2))
    }

    func testExpectedCalibrationErrorByHand() throws {
        // Five bins of width 0.2. 0.9 and 0.9 (one right) fall in (0.8, 1]: gap |0.5 − 0.9| = 0.4,
        // weight 2/4. 0.6 (right) falls in (0.4, 0.6], upper edges being inclusive: gap 0.4,
        // weight 1/4. 0.3 (wrong) in (0.2, 0.4]: gap 0.3, weight 1/4. ECE = 0.2 + 0.1 + 0.075.
        let t = try ReliabilityTable(confidences: [0.9, 0.9, 0.6, 0.3], correct: [true, false, true, false], bins: 5)
        XCTAssertEqual(t.expectedCalibrationError, 0.375, accuracy: 1e-12)
        XCTAssertEqual(t.maximumCalibrationError, 0.4, accuracy: 1e-12)
        XCTAssertEqual(t.samples, 4)
        XCTAssertEqual(t.bins.map(\.count), [0, 1, 1, 0, 2])
        XCTAssertEqual(t.bins[4].meanConfidence ?? 0, 0.9, accuracy: 1e-12)
        XCTAssertEqual(t.bins[4].accuracy, 0.5)
        XCTAssertNil(t.bins[0].accuracy)
        XCTAssertEqual(t.bins[2].lower, 0.4, accuracy: 1e-12)
        XCTAssertEqual(t.bins[2].upper, 0.6, accuracy: 1e-12)

        // From probabilities: the confidence is the row maximum, the prediction its index.
        let p = try ReliabilityTable(probabilities: [[0.1, 0.9], [0.9, 0.1], [0.4, 0.6], [0.7, 0.3]], truth: [1, 1, 1, 1], bins: 5)
        XCTAssertEqual(p.bins.map(\.count), [0, 0, 1, 1, 2])
        // Gaps: (0.8, 1] accuracy 1/2 at 0.9 → 0.4 twice; 0.6 right → 0.4; 0.7 wrong → 0.7.
        XCTAssertEqual(p.expectedCalibrationError, (2 * 0.4 + 0.4 + 0.7) / 4, accuracy: 1e-12)
        XCTAssertEqual(try ReliabilityTable(confidences: [0.5], correct: [true]).bins.count, 15, "15 bins by default")
        // Edges: 0 goes to the first bin, 1 to the last, 0.2 to (0, 0.2].
        XCTAssertEqual(try ReliabilityTable(confidences: [0, 0.2, 1], correct: [true, true, true], bins: 5).bins.map(\.count), [2, 0, 0, 0, 1])
    }

    func testCalibrationRejectsBadInput() {
        XCTAssertThrowsError(try ReliabilityTable(confidences: [], correct: []))
        XCTAssertThrowsError(try ReliabilityTable(confidences: [0.5], correct: [true, false]))
        XCTAssertThrowsError(try ReliabilityTable(confidences: [1.5], correct: [true]))
        XCTAssertThrowsError(try ReliabilityTable(confidences: [0.5], correct: [true], bins: 0))
        XCTAssertThrowsError(try ReliabilityTable(probabilities: [[0.5, 0.5]], truth: [0, 1]))
    }

    /// 40 samples, 30 right: accuracy 0.75.
    let correct = (0..<40).map { $0 % 4 != 0 }
    func accuracy(_ indices: [Int]) -> Double? {
        indices.isEmpty ? nil : Double(indices.filter { correct[$0] }.count) / Double(indices.count)
    }

    func testBootstrapIsDeterministicAndContainsTheEstimate() throws {
        let a = try BootstrapInterval(count: 40, resamples: 500, seed: 7, metric: accuracy)
        let b = try BootstrapInterval(count: 40, resamples: 500, seed: 7, metric: accuracy)
        XCTAssertEqual(a, b, "same seed, same interval")
        func draws(seed: UInt64) throws -> [[Int]] {
            var seen: [[Int]] = []
            _ = try BootstrapInterval(count: 40, resamples: 20, seed: seed) { indices -> Double? in seen.append(indices); return 0 }
            return seen
        }
        XCTAssertEqual(try draws(seed: 7), try draws(seed: 7))
        XCTAssertNotEqual(try draws(seed: 7), try draws(seed: 8))
        XCTAssertEqual(try draws(seed: 7)[0], Array(0..<40), "the full sample first, in order")
        XCTAssertEqual(a.estimate, 0.75)
        XCTAssertLessThan(a.lower, a.estimate)
        XCTAssertGreaterThan(a.upper, a.estimate)
        // Binomial standard error √(0.75·0.25/40) ≈ 0.068: a 95 % interval spans about ±0.13.
        XCTAssertEqual(a.upper - a.lower, 2 * 1.96 * (0.75 * 0.25 / 40).squareRoot(), accuracy: 0.06)
        XCTAssertEqual(a.resamples, 500)
        XCTAssertEqual(a.undefinedResamples, 0)
        XCTAssertEqual(a.level, 0.95)
    }

    func testBootstrapQuantilesInterpolateLikeNumPy() throws {
        // A metric that is the same on every draw gives a zero-width interval at the estimate.
        let flat = try BootstrapInterval(count: 5, resamples: 50, seed: 1) { _ in 2.5 }
        XCTAssertEqual([flat.lower, flat.estimate, flat.upper], [2.5, 2.5, 2.5])
        // Four resamples of one sample each see the metric values 1...4 in draw order, so the
        // interval is NumPy's quantile([1, 2, 3, 4], [0.025, 0.975]) = 1.075, 3.925.
        var calls = 0
        let ranked = try BootstrapInterval(count: 1, resamples: 4, seed: 3) { _ -> Double? in
            calls += 1
            return calls == 1 ? 0 : Double(calls - 1)
        }
        XCTAssertEqual(ranked.lower, 1.075, accuracy: 1e-12)
        XCTAssertEqual(ranked.upper, 3.925, accuracy: 1e-12)
    }

    func testGroupBootstrapResamplesWholeGroups() throws {
        // Four specimens of ten patches each; within a specimen every patch is right or every one wrong.
        let specimen = (0..<40).map { "S\($0 / 10)" }
        let sameCall = (0..<40).map { $0 / 10 != 0 }
        func groupAccuracy(_ indices: [Int]) -> Double? {
            Double(indices.filter { sameCall[$0] }.count) / Double(indices.count)
        }
        var draws: [[Int]] = []
        let grouped = try BootstrapInterval(groups: specimen, resamples: 400, seed: 11) { indices -> Double? in
            draws.append(indices)
            return groupAccuracy(indices)
        }
        // Every draw is four whole specimens: 40 indices, each specimen's ten together.
        for d in draws.dropFirst() {
            XCTAssertEqual(d.count, 40)
            for s in 0..<4 { XCTAssertEqual(d.filter { $0 / 10 == s }.count % 10, 0) }
        }
        XCTAssertEqual(grouped.estimate, 0.75)
        // The interval is as wide as four specimens warrant (a draw of four good ones, accuracy 1,
        // has probability (3/4)⁴ ≈ 0.32), far wider than resampling the 40 patches as if they
        // were independent (about ±0.13).
        XCTAssertEqual(grouped.upper, 1)
        let naive = try BootstrapInterval(count: 40, resamples: 400, seed: 11, metric: groupAccuracy)
        XCTAssertGreaterThan(grouped.upper - grouped.lower, 1.5 * (naive.upper - naive.lower))
        XCTAssertEqual(try BootstrapInterval(groups: specimen, resamples: 400, seed: 11, metric: groupAccuracy), grouped)
    }

    func testBootstrapRejectsBadInput() throws {
        XCTAssertThrowsError(try BootstrapInterval(count: 0, seed: 1, metric: accuracy))
        XCTAssertThrowsError(try BootstrapInterval(count: 40, resamples: 0, seed: 1, metric: accuracy))
        XCTAssertThrowsError(try BootstrapInterval(count: 40, level: 1, seed: 1, metric: accuracy))
        XCTAssertThrowsError(try BootstrapInterval(count: 40, seed: 1) { _ in nil }) { error in
            XCTAssertTrue("\(error)".contains("undefined on the full sample"), "\(error)")
        }
        // Undefined on some draws (AUC on a draw with one class) is skipped and counted.
        var call = 0
        let sparse = try BootstrapInterval(count: 40, resamples: 10, seed: 1) { _ -> Double? in
            call += 1
            return call == 1 || call % 2 == 0 ? 0.5 : nil
        }
        XCTAssertEqual(sparse.resamples, 5)
        XCTAssertEqual(sparse.undefinedResamples, 5)
    }
}
