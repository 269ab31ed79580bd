// What a grain-size result reports beyond G: ℓ̄ in µm and mean area in µm², method
// disagreement and boundary-mode warnings, the distribution with ALA/duplex indications,
// specification pass/fail, and G within 0.1 of truth on generated equiaxed structures.

import Foundation
import Microstructure
import Shared
import XCTest

final class GrainSizeReportingTests: XCTestCase {
    /// A binary map (boundaries black on white) drawn by `isBoundary`.
    func map(width: Int, height: Int, _ isBoundary: (Int, Int) -> Bool) -> Image {
        var px = [UInt8](repeating: 255, count: width * height)
        for y in 0..<height { for x in 0..<width where isBoundary(x, y) { px[y * width + x] = 0 } }
        return Image(width: width, height: height, channels: 1, storage: .uint8(px))
    }

    /// Bricks 48×12 px in staggered rows: N_A says one grain size, the intercept (short across
    /// the bricks) another, about 1 G apart, as on rolled, unrecrystallised grains.
    func testElongatedGrainsMakeTheMethodsDisagreeAndSaySo() throws {
        let bricks = map(width: 480, height: 360) { x, y in
            y % 12 == 0 || (x + (y / 12 % 2) * 24) % 48 == 0
        }
        let result = try GrainSizeAnalysis(boundaries: .map).measure(bricks, umPerPixel: 1)
        let warnings = result["warnings"]?.arrayValue?.compactMap(\.stringValue) ?? []
        XCTAssertTrue(warnings.contains { $0.hasPrefix("methods disagree by") && $0.contains("intercept count is the higher") }, "\(warnings)")
        // Brick area 47×11 px² at 1 µm/px (the 1-px boundary taken out).
        let area = try XCTUnwrap(result["planimetric-rectangle"]?["mean_grain_area_um2"]?.doubleValue)
        XCTAssertEqual(area, 48 * 12, accuracy: 0.08 * 48 * 12)
        // ℓ̄ is in µm: for bricks a×b, ℓ̄ = π·a·b / (2(a + b)) = 15.1 µm.
        let l = try XCTUnwrap(result["intercept-lines"]?["mean_intercept_um"]?.doubleValue)
        XCTAssertEqual(l, Double.pi * 48 * 12 / 120, accuracy: 0.12 * 15.1)
        XCTAssertTrue(result["intercept-lines"]?["quantity"]?.stringValue?.contains("µm") ?? false)
    }

    func testEquiaxedMapAgreesAndTheBoundaryModeIsChecked() throws {
        let s = VoronoiStructure(width: 480, height: 360, meanGrainAreaPx: 300, umPerPixel: 0.5, seed: 5)
        var drawn = map(width: 480, height: 360) { x, y in s.map[x, y] }
        let asMap = try GrainSizeAnalysis(boundaries: .map).measure(drawn, umPerPixel: 0.5)
        let warnings = asMap["warnings"]?.arrayValue?.compactMap(\.stringValue) ?? []
        XCTAssertFalse(warnings.contains { $0.contains("disagree") }, "\(warnings)")
        XCTAssertFalse(warnings.contains { $0.contains("boundary") }, "\(warnings)")
        let detected = try GrainSizeAnalysis(boundaries: .detect).measure(drawn, umPerPixel: 0.5)
        XCTAssertTrue(detected["warnings"]?.arrayValue?.contains { $0.stringValue?.contains("two-level map") ?? false } ?? false)
        drawn = MicrographRenderer().render(s.map, seed: 6)
        let greyAsMap = try? GrainSizeAnalysis(boundaries: .map).measure(drawn, umPerPixel: 0.5)
        if let greyAsMap {
            XCTAssertTrue(greyAsMap["warnings"]?.arrayValue?.contains { $0.stringValue?.contains("grey micrograph") ?? false } ?? false)
        }
    }

    func testSpecificationAndDistribution() throws {
        // Fine 16-px cells with one 160×160 grain: ALA territory (one grain, under 5 % of the area).
        let fine = map(width: 960, height: 640) { x, y in
            let inBig = (400..<560).contains(x) && (240..<400).contains(y)
            return inBig ? (x == 400 || y == 240) : (x % 16 == 0 || y % 16 == 0)
        }
        let a = try GrainSizeAnalysis(boundaries: .map, methods: [.planimetricRectangle], spec: try GrainSizeSpec("G>=8"))
            .measure(fine, umPerPixel: 1)
        let g = try XCTUnwrap(a["G"]?.doubleValue)
        XCTAssertEqual(a["spec"]?["pass"]?.boolValue, g >= 8)
        let d = try XCTUnwrap(a["distribution"]?.objectValue)
        XCTAssertEqual(d["ALA"], true, "\(d)")
        XCTAssertEqual(d["duplex"], false)
        XCTAssertTrue(d["indication"]?.stringValue?.hasPrefix("ALA (ASTM E930)") ?? false)
        let failing = try GrainSizeAnalysis(boundaries: .map, methods: [.planimetricRectangle], spec: try GrainSizeSpec("9<=G<=12"))
            .measure(fine, umPerPixel: 1)
        XCTAssertEqual(failing["spec"]?["pass"]?.boolValue, (9...12).contains(g))
        XCTAssertThrowsError(try GrainSizeSpec("size>=7"))
        XCTAssertEqual(try GrainSizeSpec("5<=G<=8").limits.count, 2)
        XCTAssertFalse(try GrainSizeSpec("G>7").check(7))
    }

    /// Rendered etched Poisson–Voronoi micrographs with about 3000 grains each, detected, measured
    /// over 3×2 fields: planimetric G within 0.1 of the generator's N_A.
    func testEquiaxedGIsWithinOneTenthOfTruth() throws {
        for seed: UInt64 in [31, 32] {
            let s = VoronoiStructure(width: 1200, height: 800, meanGrainAreaPx: 320, umPerPixel: 0.5, seed: seed)
            let image = MicrographRenderer().render(s.map, seed: seed &+ 1)
            let result = try GrainSizeAnalysis(methods: [.planimetricRectangle, .planimetricCircle]).measure(image, umPerPixel: 0.5)
            let truth = GrainSizeStandard.astmE112.grainSizeNumber(grainsPerMM2: s.trueGrainsPerMM2)
            XCTAssertEqual(result["planimetric-rectangle"]?["G"]?.doubleValue ?? 0, truth, accuracy: 0.1, "seed \(seed)")
        }
    }
}
