// The round-robin report on one label: rater pairs, Fleiss' κ and Krippendorff's α over the
// people, the model against each rater and against the majority. The statistics themselves are
// tested in SharedTests/Evaluate/AgreementStatisticsTests.swift.

import Foundation
import Microstructure
import Shared
import XCTest

final class RoundRobinAnalysisTests: XCTestCase {
    func testRoundRobinAnalysisWithModelAndMajority() throws {
        // Three raters and a model on six images; categories in order short < medium < long.
        let rows: [(String, [String?])] = [
            ("a", ["short", "short", "short", "short"]),
            ("b", ["short", "medium", "medium", "medium"]),
            ("c", ["long", "long", "medium", "long"]),
            ("d", ["medium", "medium", "medium", "medium"]),
            ("e", ["long", "long", "long", "long"]),
            ("f", ["short", "medium", "long", "medium"]),  // a three-way tie: no majority
        ]
        let raters = ["ann", "bo", "cy", "model"]
        var triples: [(unit: String, rater: String, category: String)] = []
        for (image, calls) in rows {
            for (r, c) in zip(raters, calls) { if let c { triples.append((image, r, c)) } }
        }
        let table = try RatingTable(ratings: triples, categories: ["short", "medium", "long"])
        let a = RoundRobinAnalysis(label: "needle_class", table: table, scale: .ordinal, model: "model")
        XCTAssertEqual(a.raters, ["ann", "bo", "cy"])
        XCTAssertEqual(a.images, 6)
        XCTAssertEqual(a.pairs.map { "\($0.first)-\($0.second)" }, ["ann-bo", "ann-cy", "bo-cy"])
        XCTAssertEqual(a.alpha.metric, .ordinal)
        XCTAssertEqual(a.modelVsRaters.map(\.second), raters.dropLast().map { $0 })
        XCTAssertEqual(a.imagesWithoutMajority, 1)
        let majority = try XCTUnwrap(a.modelVsMajority)
        XCTAssertEqual(majority.count, 5)
        XCTAssertEqual(majority.agreement, 1, "the model matches the majority on every image that has one")
        // The pair statistics equal Cohen's κ computed directly.
        let bo = table.column(1), cy = table.column(2)
        XCTAssertEqual(a.pairs[2].kappa, try CohenKappa(bo, cy, categories: 3).kappa)
        XCTAssertEqual(a.pairs[2].quadraticKappa, try CohenKappa(bo, cy, categories: 3, weighting: .quadratic).kappa)
        XCTAssertEqual(a.fleiss, FleissKappa(table.removing(raters: ["model"])))
        XCTAssertNotNil(a.meanModelKappa)
        XCTAssertGreaterThan(a.meanModelKappa!, a.meanRaterKappa!, "the model agrees with the people more than they agree with each other")

        let nominal = RoundRobinAnalysis(label: "type", table: table, scale: .nominal)
        XCTAssertNil(nominal.pairs[0].quadraticKappa)
        XCTAssertEqual(nominal.raters.count, 4, "without a model every rater is human")
        XCTAssertNil(nominal.modelVsMajority)
    }

    func testNeedleLabelsAreOrdinalByDefault() {
        XCTAssertEqual(LabelScale.guess(column: "needle_class"), .ordinal)
        XCTAssertEqual(LabelScale.guess(column: "type"), .nominal)
    }
}
