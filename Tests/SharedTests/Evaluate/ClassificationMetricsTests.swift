// Confusion matrix figures, ROC and precision–recall areas, against scikit-learn.
// Reference values: scikit-learn 1.9.1, printed by scripts/evaluate_reference.py.

import Foundation
import Shared
import XCTest

final class ClassificationMetricsTests: XCTestCase {
    func testConfusionMatrixAgainstScikitLearn() throws {
        let m = try ConfusionMatrix(classes: ["a", "b", "c"], truth: [0, 0, 0, 1, 1, 2, 2, 2, 2], predicted: [0, 1, 0, 1, 1, 2, 0, 2, 1])
        XCTAssertEqual(m.counts, [[2, 1, 0], [0, 2, 0], [1, 1, 2]])
        XCTAssertEqual(m.total, 9)
        XCTAssertEqual(m.accuracy, 2.0 / 3, accuracy: 1e-12)               // accuracy_score
        XCTAssertEqual(try XCTUnwrap(m.balancedAccuracy), 0.7222222222222222, accuracy: 1e-12)  // balanced_accuracy_score
        assertClose(m.recall.map { $0! }, [2.0 / 3, 1.0, 0.5])               // precision_recall_fscore_support
        assertClose(m.precision.map { $0! }, [2.0 / 3, 0.5, 1.0])
        assertClose(m.f1.map { $0! }, [2.0 / 3, 2.0 / 3, 2.0 / 3])
        XCTAssertEqual(try XCTUnwrap(m.macroF1), 2.0 / 3, accuracy: 1e-12)
        // confusion_matrix(normalize="true")
        assertClose(m.rowNormalized.flatMap { $0 }, [2.0 / 3, 1.0 / 3, 0, 0, 1, 0, 0.25, 0.25, 0.5])
        // 0→1 and 2→1 are one step off, 2→0 two: 4 steps over 9 samples.
        XCTAssertEqual(m.meanAbsoluteError, 4.0 / 9, accuracy: 1e-12)
    }

    func testBalancedAccuracyCountsOnlyClassesInTheTruth() throws {
        // Class 2 is predicted once but never true: sklearn gives 0.75, the mean of recalls 1/2 and 1.
        let m = try ConfusionMatrix(classes: ["0", "1", "2"], truth: [0, 0, 1, 1], predicted: [0, 2, 1, 1])
        XCTAssertEqual(try XCTUnwrap(m.balancedAccuracy), 0.75, accuracy: 1e-12)
        XCTAssertNil(m.recall[2])
        XCTAssertEqual(m.precision[2], 0)
        XCTAssertEqual(m.f1[2], 0, "predicted only wrongly: F1 is 0, not undefined")
        XCTAssertEqual(m.rowNormalized[2], [0, 0, 0])
    }

    func testConfusionMatrixRejectsBadInput() {
        XCTAssertThrowsError(try ConfusionMatrix(classes: ["a", "b"], truth: [0, 1], predicted: [0])) { error in
            XCTAssertTrue("\(error)".contains("2 true labels but 1 predictions"), "\(error)")
        }
        XCTAssertThrowsError(try ConfusionMatrix(classes: ["a", "b"], truth: [0, 2], predicted: [0, 1]))
        XCTAssertThrowsError(try ConfusionMatrix(classes: ["a", "b"], truth: [0, -1], predicted: [0, 1]))
        let empty = ConfusionMatrix(classes: ["a", "b"])
        XCTAssertEqual(empty.accuracy, 0)
        XCTAssertNil(empty.balancedAccuracy)
        XCTAssertNil(empty.macroF1)
    }

    func testROCAreaOfTheScikitLearnDocExample() throws {
        // roc_auc_score and average_precision_score docstrings: 0.75 and 0.8333.
        let positives = [false, false, true, true], scores = [0.1, 0.4, 0.35, 0.8]
        XCTAssertEqual(try ROCCurve.auc(scores: scores, positives: positives), 0.75, accuracy: 1e-12)
        XCTAssertEqual(try PrecisionRecallCurve(scores: scores, positives: positives).averagePrecision, 0.8333333333333333, accuracy: 1e-12)
    }

    func testTiedScoresCountHalf() throws {
        // Three samples tie at 0.4 (one positive, two negatives).
        let positives = [false, false, true, true, false, true, false, true]
        let scores = [0.1, 0.4, 0.35, 0.8, 0.4, 0.4, 0.2, 0.9]
        let roc = try ROCCurve(scores: scores, positives: positives)
        XCTAssertEqual(roc.auc, 0.8125, accuracy: 1e-12)    // roc_auc_score
        // roc_curve(drop_intermediate=False)
        assertClose(roc.points.map(\.falsePositiveRate), [0, 0, 0, 0.5, 0.5, 0.75, 1])
        assertClose(roc.points.map(\.truePositiveRate), [0, 0.25, 0.5, 0.75, 1, 1, 1])
        XCTAssertEqual(roc.points.map(\.threshold), [.infinity, 0.9, 0.8, 0.4, 0.35, 0.2, 0.1])
        // The rank area equals the trapezoid area under the points.
        let trapezoid = zip(roc.points, roc.points.dropFirst()).reduce(0.0) {
            $0 + ($1.1.falsePositiveRate - $1.0.falsePositiveRate) * ($1.1.truePositiveRate + $1.0.truePositiveRate) / 2
        }
        XCTAssertEqual(trapezoid, roc.auc, accuracy: 1e-12)

        let pr = try PrecisionRecallCurve(scores: scores, positives: positives)
        XCTAssertEqual(pr.averagePrecision, 0.8166666666666667, accuracy: 1e-12)   // average_precision_score
        // precision_recall_curve, highest threshold first (sklearn lists it reversed, after the (1, 0) end point).
        assertClose(pr.points.map(\.precision), [1, 1, 0.6, 2.0 / 3, 0.5714285714285714, 0.5])
        assertClose(pr.points.map(\.recall), [0.25, 0.5, 0.75, 1, 1, 1])
        XCTAssertEqual(pr.points.map(\.threshold), [0.9, 0.8, 0.4, 0.35, 0.2, 0.1])
    }

    func testRankingMetricsRejectBadInput() {
        XCTAssertThrowsError(try ROCCurve.auc(scores: [], positives: []))
        XCTAssertThrowsError(try ROCCurve.auc(scores: [0.1, 0.2], positives: [true]))
        XCTAssertThrowsError(try ROCCurve.auc(scores: [0.1, .nan], positives: [true, false]))
        XCTAssertThrowsError(try ROCCurve(scores: [0.1, 0.2], positives: [true, true])) { error in
            XCTAssertTrue("\(error)".contains("only positives"), "\(error)")
        }
        XCTAssertThrowsError(try PrecisionRecallCurve(scores: [0.1, 0.2], positives: [false, false]))
        // Without negatives every threshold has precision 1 (sklearn: 1.0).
        XCTAssertEqual(try PrecisionRecallCurve(scores: [0.2, 0.5, 0.5], positives: [true, true, true]).averagePrecision, 1)
    }

    func testOneVsRestMacroAUCAgainstScikitLearn() throws {
        let p = [[0.7, 0.2, 0.1], [0.2, 0.5, 0.3], [0.1, 0.3, 0.6], [0.4, 0.4, 0.2],
                 [0.3, 0.3, 0.4], [0.5, 0.1, 0.4], [0.2, 0.6, 0.2], [0.1, 0.2, 0.7]]
        let truth = [0, 1, 2, 1, 2, 0, 0, 2]
        let auc = try OneVsRestAUC(probabilities: p, truth: truth)
        // roc_auc_score(multi_class="ovr", average="macro"), and per class against the rest.
        XCTAssertEqual(auc.macro, 0.8777777777777778, accuracy: 1e-12)
        assertClose(auc.perClass.map { $0! }, [0.8333333333333333, 0.8333333333333334, 0.9666666666666667])

        // A class missing from the truth has no area; the mean is over the others.
        let partial = try OneVsRestAUC(probabilities: p, truth: truth.map { $0 == 1 ? 0 : $0 })
        XCTAssertNil(partial.perClass[1])
        XCTAssertEqual(partial.macro, (partial.perClass[0]! + partial.perClass[2]!) / 2, accuracy: 1e-12)

        XCTAssertThrowsError(try OneVsRestAUC(probabilities: p, truth: [Int](repeating: 0, count: 8)))
        XCTAssertThrowsError(try OneVsRestAUC(probabilities: p, truth: [0, 1]))
        XCTAssertThrowsError(try OneVsRestAUC(probabilities: p, truth: truth.map { $0 == 2 ? 3 : $0 }))
        XCTAssertThrowsError(try OneVsRestAUC(probabilities: [[0.5, 0.5], [1]], truth: [0, 1]))
    }

    private func assertClose(_ a: [Double], _ b: [Double], file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertEqual(a.count, b.count, file: file, line: line)
        for (x, y) in zip(a, b) { XCTAssertEqual(x, y, accuracy: 1e-12, "\(a) vs \(b)", file: file, line: line) }
    }
}
