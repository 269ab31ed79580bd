// ClassifierMetrics on small cases worked by hand (scikit-learn's definitions: roc_auc_score,
// average_precision_score, balanced_accuracy_score, f1_score(average="macro")).

import Foundation
import Shared
import TestSupport
import XCTest

final class ClassifierMetricsTests: XCTestCase {
    private let p1: [Double] = [0.9, 0.8, 0.7, 0.4, 0.3, 0.2]
    private let truth = [1, 1, 0, 1, 0, 0]

    func testBinaryMetricsAtTwoThresholds() throws {
        let m = try ClassifierMetrics(probabilities: p1.map { [1 - $0, $0] }, truth: truth, classes: ["benign", "malignant"], resamples: 0)
        // 8 of the 9 positive–negative pairs are ordered (0.4 < 0.7 is not).
        XCTAssertEqual(try XCTUnwrap(m.rocAUC), 8.0 / 9, accuracy: 1e-12)
        // Precision at each positive in rank order: 1, 1, 3/4.
        XCTAssertEqual(try XCTUnwrap(m.prAUC), (1 + 1 + 0.75) / 3, accuracy: 1e-12)
        XCTAssertEqual(m.confusion.counts, [[2, 1], [1, 2]])
        XCTAssertEqual(m.accuracy, 4.0 / 6, accuracy: 1e-12)
        XCTAssertEqual(try XCTUnwrap(m.sensitivity), 2.0 / 3, accuracy: 1e-12)
        XCTAssertEqual(try XCTUnwrap(m.specificity), 2.0 / 3, accuracy: 1e-12)
        XCTAssertEqual(try XCTUnwrap(m.balancedAccuracy), 2.0 / 3, accuracy: 1e-12)
        XCTAssertEqual(try XCTUnwrap(m.macroF1), 2.0 / 3, accuracy: 1e-12)
        let low = try ClassifierMetrics(probabilities: p1.map { [1 - $0, $0] }, truth: truth, classes: ["benign", "malignant"], threshold: 0.35, resamples: 0)
        XCTAssertEqual(low.sensitivity, 1)
        XCTAssertEqual(try XCTUnwrap(low.specificity), 2.0 / 3, accuracy: 1e-12)
        XCTAssertEqual(low.json["roc_auc"]?.doubleValue ?? 0, 8.0 / 9, accuracy: 1e-12)
        XCTAssertEqual(low.json["confusion"], .array([.array([.int(2), .int(1)]), .array([.int(0), .int(3)])]))
    }

    func testMulticlassAveragesOneVsRest() throws {
        let probs: [[Double]] = [[0.7, 0.2, 0.1], [0.2, 0.5, 0.3], [0.1, 0.3, 0.6], [0.5, 0.4, 0.1]]
        let m = try ClassifierMetrics(probabilities: probs, truth: [0, 1, 2, 1], classes: ["a", "b", "c"], resamples: 0)
        // Class a: scores 0.7 (pos) vs 0.2, 0.1, 0.5 → 1. Class b: 0.5, 0.4 vs 0.2, 0.3 → 1. Class c: 0.6 vs rest → 1.
        XCTAssertEqual(m.rocAUC, 1)
        XCTAssertNil(m.sensitivity)
        XCTAssertEqual(m.accuracy, 0.75, accuracy: 1e-12)
    }

    func testBootstrapIntervalsByPatientBracketTheEstimate() throws {
        var rng = SplitMix64(seed: 9)
        let n = 120
        let truth = (0..<n).map { $0 % 3 == 0 ? 1 : 0 }
        let p = truth.map { y in Double(y) * 0.3 + Double(rng.next() % 1000) / 1000 * 0.7 }
        let groups = (0..<n).map { "patient\($0 / 4)" }
        let m = try ClassifierMetrics(probabilities: p.map { [1 - $0, $0] }, truth: truth, classes: ["0", "1"], groups: groups, resamples: 200, seed: 3)
        let auc = try XCTUnwrap(m.intervals.first { $0.name == "roc_auc" }?.interval)
        XCTAssertEqual(auc.estimate, try XCTUnwrap(m.rocAUC), accuracy: 1e-12)
        XCTAssertLessThan(auc.lower, auc.estimate)
        XCTAssertGreaterThan(auc.upper, auc.estimate)
        XCTAssertEqual(m.intervals.map(\.name), ["roc_auc", "pr_auc", "accuracy", "balanced_accuracy", "macro_f1", "sensitivity", "specificity"])
        XCTAssertThrowsError(try ClassifierMetrics(probabilities: [[0.5, 0.5]], truth: [2], classes: ["0", "1"]))
        XCTAssertThrowsError(try ClassifierMetrics(probabilities: [], truth: [], classes: ["0", "1"]))
    }
}
