// Issue 10's acceptance for honest confidence, on the bundled demo model
// (fixtures/models/steel-demo.safetensors, scripts/train-demo-model): micrographs of the same
// generated specimens in the reference style and in another laboratory's style (deeper etch,
// other tone curve, stronger illumination gradient, softer focus, noisier camera) lose at most
// 5 points of type accuracy, at least 80 % of the wrong grades carry a review flag, and a
// structure type the model never saw (equiaxed ferrite) goes to the review queue.

import Foundation
import XCTest
@testable import Microstructure
import Shared
import TestSupport

final class GradingReviewAcceptanceTests: XCTestCase {
    static let model = Corpus.projectRoot.appendingPathComponent("fixtures/models/steel-demo.safetensors")

    struct Outcome { var truth: String; var grade: MicrographGrade }

    /// Grades every image of a generated set (256 px at 0.5 µm/px, as the demo model was trained on).
    static func grade(types: [MicrostructureType], specimens: Int, seed: UInt64, optics: MicroscopeOptics,
                      grader: MicrographGrader) throws -> [Outcome] {
        let synthesizer = MicrographSynthesizer(optics: optics)
        let data = SyntheticDataset(specimens: specimens, imagesPerSpecimen: 1, width: 256, height: 256, umPerPixel: 0.5,
                                    types: types, synthesizer: synthesizer, seed: seed)
        return try data.entries().map { e in
            let m = try synthesizer.micrograph(of: e.specimen, field: e.field, width: 256, height: 256, umPerPixel: 0.5)
            let c = Calibration(umPerPixel: 0.5, source: .flag)
            let resolved = ResolvedCalibration(calibration: c, figures: [c], scaleBar: nil, scaleBarUM: nil, warnings: [])
            return Outcome(truth: e.specimen.type.rawValue, grade: try grader.grade(m.image, calibration: resolved))
        }
    }

    static func accuracy(_ o: [Outcome]) -> Double { Double(o.filter { $0.grade.type == $0.truth }.count) / Double(o.count) }

    func testOtherLabStyleKeepsAccuracyAndFlagsTheWrongGrades() throws {
        let grader = try MicrographGrader(modelFile: Self.model)
        XCTAssertNotNil(grader.temperature, "the demo model stores its fitted temperature")
        XCTAssertNotNil(grader.features, "the demo model stores its training feature distribution")
        XCTAssertTrue(grader.warnings.isEmpty, "\(grader.warnings)")
        let types = MicrostructureType.defaultDatasetTypes
        let reference = try Self.grade(types: types, specimens: 40, seed: 2026, optics: MicroscopeOptics(), grader: grader)
        let otherLab = try Self.grade(types: types, specimens: 40, seed: 2026, optics: MicroscopeOptics().otherLab, grader: grader)
        let drop = Self.accuracy(reference) - Self.accuracy(otherLab)
        XCTAssertLessThanOrEqual(drop, 0.05, "reference \(Self.accuracy(reference)), other lab \(Self.accuracy(otherLab))")
        XCTAssertGreaterThanOrEqual(Self.accuracy(reference), 0.85)
        for (name, set) in [("reference", reference), ("other lab", otherLab)] {
            let wrong = set.filter { $0.grade.type != $0.truth }
            let flagged = wrong.filter(\.grade.needsReview)
            XCTAssertGreaterThanOrEqual(Double(flagged.count), 0.8 * Double(wrong.count),
                                        "\(name): \(flagged.count) of \(wrong.count) wrong grades flagged: \(wrong.map { ($0.truth, $0.grade.type, $0.grade.confidence) })")
        }
        // The flags are not everything: most right grades in the reference style stay out of the queue.
        let rightFlagged = reference.filter { $0.grade.type == $0.truth && $0.grade.needsReview }.count
        XCTAssertLessThan(Double(rightFlagged), 0.5 * Double(reference.count), "review queue floods: \(rightFlagged) of \(reference.count)")
    }

    func testUnseenStructureTypeIsFlagged() throws {
        let grader = try MicrographGrader(modelFile: Self.model)
        XCTAssertFalse(grader.manifest.spec.heads[0].classes.contains("equiaxed"))
        let equiaxed = try Self.grade(types: [.equiaxed], specimens: 8, seed: 11, optics: MicroscopeOptics(), grader: grader)
        // Graded "mixed" at up to 1.000 by the softmax, but most lie far outside the training features.
        let flagged = equiaxed.filter(\.grade.needsReview)
        XCTAssertGreaterThanOrEqual(flagged.count, 7, "\(equiaxed.map { ($0.grade.type, $0.grade.confidence, $0.grade.featureDistance ?? -1) })")
        let distant = equiaxed.filter { $0.grade.reviewReasons.contains { $0.hasPrefix("out of distribution") } }
        XCTAssertGreaterThanOrEqual(distant.count, 6, "\(equiaxed.map { $0.grade.featureDistance ?? -1 })")
    }

    func testFittedTemperatureSoftensAnOverconfidentModel() {
        // Right at 0.99 three times, wrong at 0.99 once: the fitted temperature lowers the confidence.
        let p = [[0.99, 0.01], [0.99, 0.01], [0.99, 0.01], [0.99, 0.01]]
        let t = FittedTemperature(probabilities: p, truth: [0, 0, 0, 1], fittedOn: "test")
        XCTAssertGreaterThan(t.temperature, 1.5)
        XCTAssertLessThan(t.nllAfter, t.nllBefore)
        // The optimum for a 3:1 record is a confidence of 0.75.
        XCTAssertEqual(t.apply([0.99, 0.01])[0], 0.75, accuracy: 0.03)
        XCTAssertEqual(FittedTemperature.apply([0.7, 0.2, 0.1], temperature: 1), [0.7, 0.2, 0.1])
    }

    func testFeatureDistanceIsOneAtTheTrainingPercentileAndGrowsAway() throws {
        var features: [[Double]] = [], labels: [Int] = []
        var rng = SplitMix64(seed: 3)
        for i in 0..<200 {
            let c = i % 2
            features.append([Double(c) * 10 + Double(rng.nextNormal()), Double(rng.nextNormal()), 0])
            labels.append(c)
        }
        let d = try XCTUnwrap(FeatureDistribution(features: features, labels: labels, classes: 2))
        let distances = features.map(d.distance).sorted()
        XCTAssertEqual(distances[Int(0.95 * 199)], 1, accuracy: 0.02)
        XCTAssertLessThan(d.distance([10, 0, 0]), 0.3)
        XCTAssertGreaterThan(d.distance([5, 0, 0]), 1.5)
        XCTAssertGreaterThan(d.distance([30, 0, 0]), 5)
        // A dead feature (constant in training) does not blow up: its floor is a tenth of the median spread.
        XCTAssertLessThan(d.distance([0, 0, 0.01]), 1)
        let back = try XCTUnwrap(FeatureDistribution(json: d.json))
        XCTAssertEqual(back.distance([5, 0, 0]), d.distance([5, 0, 0]), accuracy: 1e-3)
    }
}
