// The augmentation steps added for between-specimen changes: illumination gradient, JPEG block
// artefacts and the final per-sample standardisation (also applied alone to evaluation batches).

import Foundation
import XCTest
@testable import Shared

final class LabAugmentationTests: XCTestCase {
    func texture(_ n: Int, seed: UInt64) -> Tensor {
        var rng = SplitMix64(seed: seed)
        return Tensor(shape: [1, n, n], scalars: (0..<(n * n)).map { _ in 0.3 + 0.4 * rng.nextUniform() })
    }

    func testJPEGArtefactsGrowAsQualityFalls() {
        let x = texture(32, seed: 1)
        func error(_ q: Int) -> Float {
            let y = Augmentation.jpegArtefacts(x, quality: q)
            return zip(x.scalars, y.scalars).map { abs($0 - $1) }.reduce(0, +) / Float(x.count)
        }
        XCTAssertLessThan(error(100), 0.004)
        XCTAssertGreaterThan(error(10), 2 * error(90))
        // A flat block survives any quality (only its DC term, a multiple of the table step away).
        let flat = Tensor(shape: [1, 8, 8], scalars: [Float](repeating: 0.5, count: 64))
        let y = Augmentation.jpegArtefacts(flat, quality: 10)
        XCTAssertEqual(Set(y.scalars.map { ($0 * 1000).rounded() }).count, 1)
        XCTAssertEqual(y.scalars[0], 0.5, accuracy: 0.1)
    }

    func testIlluminationGradientAndStandardisation() {
        var a = Augmentation()
        a.illuminationGradient = 0.4
        let flat = Tensor(shape: [1, 16, 16], scalars: [Float](repeating: 1, count: 256))
        var rng = SplitMix64(seed: 5)
        let lit = a.apply(flat, rng: &rng)
        XCTAssertGreaterThan(lit.scalars.max()! - lit.scalars.min()!, 0.01)
        XCTAssertLessThanOrEqual(lit.scalars.max()!, 1.2 + 1e-5)
        XCTAssertGreaterThanOrEqual(lit.scalars.min()!, 0.8 - 1e-5)
        a.standardize = true
        let s = a.apply(texture(16, seed: 2), rng: &rng).scalars
        let mean = s.reduce(0, +) / Float(s.count)
        let sd = (s.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / Float(s.count)).squareRoot()
        XCTAssertEqual(mean, 0, accuracy: 1e-4)
        XCTAssertEqual(sd, 1, accuracy: 1e-3)
        let evaluation = try! XCTUnwrap(a.evaluationPart)
        XCTAssertEqual(evaluation.illuminationGradient, 0)
        XCTAssertTrue(evaluation.standardize)
        XCTAssertNil(Augmentation().evaluationPart)
    }

    func testFeatheredCanvasBlendsOverlappingPatchesWithoutSeams() {
        // Two half-overlapping patches of very different strength: averaged plainly, the overlap's borders are
        // steps; feathered, the map rises smoothly from one to the other.
        let weak = SaliencyMap(width: 16, height: 16, values: [Float](repeating: 1, count: 256))
        let strong = SaliencyMap(width: 16, height: 16, values: [Float](repeating: 3, count: 256))
        func maxStep(_ feathered: Bool) -> Float {
            var c = SaliencyCanvas(width: 24, height: 16)
            c.add(weak, x: 0, y: 0, feathered: feathered)
            c.add(strong, x: 8, y: 0, feathered: feathered)
            let m = c.map
            return (0..<23).map { abs(m[$0 + 1, 8] - m[$0, 8]) }.max()!
        }
        XCTAssertEqual(maxStep(false), 1, accuracy: 1e-5)
        XCTAssertLessThan(maxStep(true), 0.35)
    }
}
