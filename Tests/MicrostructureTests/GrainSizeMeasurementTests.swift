import Microstructure
import Shared
import XCTest

final class GrainSizeMeasurementTests: XCTestCase {
    /// Five fields of a Poisson–Voronoi structure, ~200 grains each, 0.5 µm/px.
    func structure(seed: UInt64, grainArea: Double = 300) -> [VoronoiStructure] {
        (0..<5).map { VoronoiStructure(width: 260, height: 260, meanGrainAreaPx: grainArea, boundaryWidth: 1.5,
                                       umPerPixel: 0.5, seed: seed &+ UInt64($0)) }
    }

    func testEveryMethodIsWithinTwoTenthsOfTrueG() throws {
        for seed: UInt64 in [1, 77] {
            let s = structure(seed: seed)
            let truthNA = s[0].trueGrainsPerMM2, truthL = s[0].trueMeanInterceptMM
            for standard in GrainSizeStandard.allCases {
                for method in GrainSizeMethod.allCases {
                    let m = try GrainSizeMeasurement(fields: s.map(\.map), method: method, standard: standard)
                    let truth = method.isPlanimetric ? standard.grainSizeNumber(grainsPerMM2: truthNA)
                                                     : standard.grainSizeNumber(meanInterceptMM: truthL)
                    XCTAssertEqual(m.grainSizeNumber, truth, accuracy: 0.2, "\(method) \(standard) seed \(seed)")
                }
            }
        }
    }

    func testCountsOnAHandMadeStructure() {
        // A 3×3 grid of square grains 10 px wide with one-pixel boundaries at x,y = 10 and 21.
        let n = 32
        var b = [Bool](repeating: false, count: n * n)
        for i in 0..<n { for k in [10, 21] { b[i * n + k] = true; b[k * n + i] = true } }
        let map = BoundaryMap(width: n, height: n, isBoundary: b)
        let grains = GrainLabels(map)
        XCTAssertEqual(grains.count, 9)

        let rect = PlanimetricMethod.count(grains, figure: .rectangle(x: 0, y: 0, width: n, height: n))
        XCTAssertEqual(rect.inside, 1)
        XCTAssertEqual(rect.intercepted, 4)
        XCTAssertEqual(rect.corners, 4)
        XCTAssertEqual(rect.weightedGrains, 4)

        // A horizontal line through the middle row crosses two boundaries; one along y = 21 starts and
        // ends on a boundary (½ + ½) and never leaves it.
        let mid = InterceptMethod.count(grains, line: .segment(x0: 0, y0: 15.5, x1: 32, y1: 15.5))
        XCTAssertEqual(mid.intersections, 2)
        XCTAssertEqual(mid.triplePoints, 0)
        // A diagonal through the four-grain junctions at (10,10) and (21,21) counts them as triple points.
        let diag = InterceptMethod.count(grains, line: .segment(x0: 0.5, y0: 0.5, x1: 31.5, y1: 31.5))
        XCTAssertEqual(diag.triplePoints, 2)
        XCTAssertEqual(diag.intersections, 3)
        // A circle of radius 12 about the centre runs through the eight outer grains, crossing each
        // boundary line twice, far from the junctions (7.8 px from the centre).
        let circle = InterceptMethod.count(grains, line: .circle(centerX: 16, centerY: 16, radius: 12))
        XCTAssertEqual(circle.intersections, 8)
        XCTAssertEqual(circle.triplePoints, 0)
    }

    func testStatisticsFollowE112Section15() {
        let s = FieldStatistics([100, 110, 90, 105, 95])
        XCTAssertEqual(s.mean, 100)
        XCTAssertEqual(s.standardDeviation, 7.905694, accuracy: 1e-6)
        XCTAssertEqual(s.confidence95!, 2.776 * 7.905694 / 5.squareRoot(), accuracy: 1e-6)
        XCTAssertEqual(s.relativeAccuracyPercent!, 9.8146, accuracy: 1e-3)
        XCTAssertEqual(FieldStatistics.studentT975(degreesOfFreedom: 1), 12.706)
        XCTAssertEqual(FieldStatistics.studentT975(degreesOfFreedom: 60), 2.000, accuracy: 1e-9)
        XCTAssertEqual(FieldStatistics.studentT975(degreesOfFreedom: 100_000), 1.960, accuracy: 1e-3)
        XCTAssertNil(FieldStatistics([3]).confidence95)
    }

    func testWarningsAndMissingCalibration() throws {
        let coarse = VoronoiStructure(width: 120, height: 120, meanGrainAreaPx: 900, umPerPixel: 1, seed: 3)
        let m = try GrainSizeMeasurement(fields: [coarse.map, coarse.map], method: .planimetricCircle, standard: .astmE112)
        XCTAssertTrue(m.warnings.contains { $0.contains("fewer than 50 grains") }, "\(m.warnings)")
        XCTAssertTrue(m.warnings.contains("only 2 fields: E112 asks for at least 5"))
        XCTAssertEqual(m.json["standard"], "ASTM E112-13")

        var uncalibrated = coarse.map
        uncalibrated.umPerPixel = nil
        XCTAssertThrowsError(try GrainSizeMeasurement(fields: [uncalibrated], method: .interceptLines, standard: .iso643)) { e in
            XCTAssertTrue("\(e)".contains("µm/px"))
        }
    }
}

final class BoundaryCleanupTests: XCTestCase {
    func testSpecksBecomeBoundaryAndBoundaryRunsBridgeSmallGaps() {
        // Two grains split by a 3-px band at x = 10...12 holding a 1-px hole at (11, 5).
        let w = 24, h = 11
        var b = [Bool](repeating: false, count: w * h)
        for y in 0..<h { for x in 10...12 { b[y * w + x] = true } }
        b[5 * w + 11] = false
        let map = BoundaryMap(width: w, height: h, isBoundary: b)
        XCTAssertEqual(GrainLabels(map).count, 3, "the hole is a one-pixel grain")
        let cleaned = map.fillingSpecks(minGrainAreaPx: 4)
        XCTAssertEqual(GrainLabels(cleaned).count, 2)
        XCTAssertEqual(cleaned.boundaryFraction, Double(3 * h) / Double(w * h), accuracy: 1e-12)

        let line = TestLine.segment(x0: 0, y0: 5.5, x1: 24, y1: 5.5)
        XCTAssertEqual(InterceptMethod.count(GrainLabels(map), line: line).intersections, 2, "grain, hole, grain: two transitions")
        XCTAssertEqual(InterceptMethod.count(GrainLabels(cleaned), line: line).intersections, 1)
        XCTAssertEqual(InterceptMethod.countBoundaryRuns(map, line: line).intersections, 1, "the 1-px gap is bridged")
    }
}

final class BoundaryDetectorTests: XCTestCase {
    func testEtchedMicrographsMeasureWithinTwoTenthsOfTruth() throws {
        for seed: UInt64 in [5, 9] {
            let structures = (0..<5).map {
                VoronoiStructure(width: 300, height: 300, meanGrainAreaPx: 400, boundaryWidth: 1.5, umPerPixel: 0.5,
                                 seed: seed &* 100 &+ UInt64($0))
            }
            let maps = structures.enumerated().map { i, s in
                BoundaryDetector().detect(MicrographRenderer().render(s.map, seed: UInt64(i) &+ seed))
            }
            for method in GrainSizeMethod.allCases {
                let m = try GrainSizeMeasurement(fields: maps, method: method, standard: .astmE112)
                let truth = method.isPlanimetric ? GrainSizeStandard.astmE112.grainSizeNumber(grainsPerMM2: structures[0].trueGrainsPerMM2)
                                                 : GrainSizeStandard.astmE112.grainSizeNumber(meanInterceptMM: structures[0].trueMeanInterceptMM)
                XCTAssertEqual(m.grainSizeNumber, truth, accuracy: 0.2, "\(method) seed \(seed)")
            }
        }
    }
}

final class GrainSizeAnalysisTests: XCTestCase {
    func testOneMicrographGivesEveryMethodWithEditionAndStatistics() throws {
        let s = VoronoiStructure(width: 480, height: 320, meanGrainAreaPx: 300, umPerPixel: 0.5, seed: 42)
        let image = MicrographRenderer().render(s.map, seed: 43)
        let result = try GrainSizeAnalysis().measure(image, umPerPixel: 0.5)
        XCTAssertEqual(result["fields"], "3x2")
        let truthG = GrainSizeStandard.astmE112.grainSizeNumber(grainsPerMM2: s.trueGrainsPerMM2)
        let circle = try XCTUnwrap(result["planimetric-circle"]?.objectValue)
        XCTAssertEqual(circle["standard"], "ASTM E112-13")
        XCTAssertEqual(circle["per_field"]?.arrayValue?.count, 6)
        XCTAssertEqual(circle["G"]?.doubleValue ?? 0, truthG, accuracy: 0.3)
        XCTAssertNotNil(circle["relative_accuracy_pct"]?.doubleValue)
        let truthL = GrainSizeStandard.astmE112.grainSizeNumber(meanInterceptMM: s.trueMeanInterceptMM)
        XCTAssertEqual(result["intercept-lines"]?["G"]?.doubleValue ?? 0, truthL, accuracy: 0.3)
        XCTAssertThrowsError(try GrainSizeAnalysis(columns: 20, rows: 20).measure(image, umPerPixel: 0.5))
        XCTAssertThrowsError(try GrainSizeAnalysis().measure(image, umPerPixel: 0))
    }
    /// Reliability: a blank (uniform) field has no grain boundaries, so no grain size: an error
    /// naming the cause, never G from the field's size or an infinite intercept G.
    func testBlankImageHasNoGrainSize() throws {
        let blank = Image(width: 300, height: 200, channels: 1, storage: .uint8(Array(repeating: 128, count: 300 * 200)))
        for source in GrainSizeAnalysis.BoundarySource.allCases {
            for method in GrainSizeMethod.allCases {
                let analysis = GrainSizeAnalysis(boundaries: source, methods: [method])
                XCTAssertThrowsError(try analysis.measure(blank, umPerPixel: 0.5), "\(source) \(method)") { e in
                    XCTAssertTrue("\(e)".contains("no grain boundaries found"), "\(e)")
                }
            }
        }
        // Some blank fields among real ones are left out, with a warning, and G stays finite and right.
        let s = (0..<5).map { VoronoiStructure(width: 260, height: 260, meanGrainAreaPx: 300, boundaryWidth: 1.5,
                                               umPerPixel: 0.5, seed: 5 &+ UInt64($0)) }
        let empty = BoundaryMap(width: 260, height: 260, isBoundary: [Bool](repeating: false, count: 260 * 260), umPerPixel: 0.5)
        for method in GrainSizeMethod.allCases {
            let all = try GrainSizeMeasurement(fields: s.map(\.map), method: method, standard: .astmE112)
            let mixed = try GrainSizeMeasurement(fields: s.map(\.map) + [empty, empty], method: method, standard: .astmE112)
            XCTAssertEqual(mixed.grainSizeNumber, all.grainSizeNumber, accuracy: 1e-9, "\(method)")
            XCTAssertEqual(mixed.fields.count, 5)
            XCTAssertTrue(mixed.warnings.contains { $0.contains("no grain boundaries found in 2 of 7 fields") }, "\(mixed.warnings)")
            XCTAssertTrue(JSONValue.object(mixed.json).serialized().contains("\"G\":"))
            XCTAssertFalse(JSONValue.object(mixed.json).serialized().lowercased().contains("inf"), JSONValue.object(mixed.json).serialized())
        }
    }
}
