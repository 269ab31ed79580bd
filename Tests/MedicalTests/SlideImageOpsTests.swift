// The general image operations the slide pipeline added to Shared (Otsu, morphology, connected
// components, colour spaces, the bounded queue) and the stain normalisers, on small exact inputs.

import Foundation
@testable import Medical
import Shared
import TestSupport
import XCTest

final class SlideImageOpsTests: XCTestCase {
    func testOtsuSplitsTwoModes() {
        let v = [Float](repeating: 0.2, count: 100) + [Float](repeating: 0.8, count: 50)
        let t = Otsu.threshold(v)
        XCTAssertGreaterThanOrEqual(t, 0.2)
        XCTAssertLessThan(t, 0.8)
    }

    func testMorphologyAndComponents() {
        var m = BinaryMask(width: 12, height: 10)
        for y in 2..<8 { for x in 2..<9 { m[x, y] = true } }   // a 7 × 6 block
        m[5, 5] = false                                         // a one-pixel hole
        m[11, 0] = true                                         // a speck
        XCTAssertEqual(ConnectedComponents(m).count, 2)
        XCTAssertEqual(ConnectedComponents(m).areas.sorted(), [0, 1, 41])
        let clean = ConnectedComponents.removingSmallObjects(m, minArea: 2)
        XCTAssertFalse(clean[11, 0])
        let filled = ConnectedComponents.fillingHoles(clean, maxArea: 2)
        XCTAssertTrue(filled[5, 5])
        XCTAssertEqual(filled.count, 42)
        let eroded = Morphology.erode(filled, radius: 1)
        XCTAssertEqual(eroded.count, 5 * 4)
        XCTAssertEqual(Morphology.dilate(eroded, radius: 1), filled)
        XCTAssertFalse(Morphology.open(m, radius: 1)[11, 0])
        XCTAssertTrue(Morphology.close(m, radius: 1)[5, 5])
        XCTAssertEqual(filled.fraction(x: 2, y: 2, width: 7, height: 6), 1)
        XCTAssertEqual(filled.fraction(x: 0, y: 0, width: 2, height: 2), 0)
    }

    func testColourSpaces() {
        let lab = ColorSpace.lab(255, 255, 255)
        XCTAssertEqual(lab.l, 100, accuracy: 0.05)
        XCTAssertEqual(lab.a, 0, accuracy: 0.05)
        let red = ColorSpace.lab(255, 0, 0)   // CIE reference: L 53.24, a 80.09, b 67.20
        XCTAssertEqual(red.l, 53.24, accuracy: 0.05)
        XCTAssertEqual(red.a, 80.09, accuracy: 0.1)
        XCTAssertEqual(red.b, 67.20, accuracy: 0.1)
        for (r, g, b) in [(12, 200, 90), (230, 168, 200), (70, 30, 120)] as [(UInt8, UInt8, UInt8)] {
            let l = ColorSpace.lab(r, g, b)
            let back = ColorSpace.rgb(l: l.l, a: l.a, b: l.b)
            XCTAssertEqual([Int(back.0), Int(back.1), Int(back.2)], [Int(r), Int(g), Int(b)])
        }
        XCTAssertEqual(ColorSpace.opticalDensity(255), 0)
        XCTAssertEqual(ColorSpace.intensity(opticalDensity: ColorSpace.opticalDensity(100)), 100)
        let (s, v) = ColorSpace.saturationValue(200, 100, 100)
        XCTAssertEqual(s, 0.5)
        XCTAssertEqual(v, 200 / 255)
    }

    func testBoundedQueueKeepsOrderAndBlocksAtCapacity() {
        let q = BoundedQueue<Int>(capacity: 3)
        let done = DispatchSemaphore(value: 0)
        Thread.detachNewThread {
            for i in 0..<100 { q.push(i) }
            q.close()
            done.signal()
        }
        var got: [Int] = []
        while let v = q.pop() { got.append(v) }
        done.wait()
        XCTAssertEqual(got, Array(0..<100))
        XCTAssertFalse(q.push(1))
    }

    func testSymmetricEigen() {
        let m: [[Double]] = [[4, 1, 0.5], [1, 3, 0.2], [0.5, 0.2, 1]]
        let (values, vectors) = MacenkoEstimate.symmetricEigen(m)
        for k in 0..<3 {
            for r in 0..<3 {
                let mv = (0..<3).reduce(0.0) { $0 + m[r][$1] * vectors[$1][k] }
                XCTAssertEqual(mv, values[k] * vectors[r][k], accuracy: 1e-9)
            }
        }
        XCTAssertEqual(values.reduce(0, +), 8, accuracy: 1e-9)
    }

    /// A two-stain H&E-like tile: each pixel a random mix of a haematoxylin and an eosin OD vector.
    func stainedTile(h: SIMD3<Float>, e: SIMD3<Float>, scale: Float, seed: UInt64) -> Image {
        var rng = SplitMix64(seed: seed)
        var px: [UInt8] = []
        for _ in 0..<(48 * 48) {
            let ch = Float(rng.next() % 1000) / 1000 * scale, ce = Float(rng.next() % 1000) / 1000 * scale
            let od = h * ch + e * ce
            px += [od[0], od[1], od[2]].map { ColorSpace.intensity(opticalDensity: $0) }
        }
        return Image(width: 48, height: 48, channels: 3, storage: .uint8(px))
    }

    func testMacenkoRecoversStainsAndFallsBackOnBlankTiles() throws {
        let h = SIMD3<Float>(0.65, 0.70, 0.29), e = SIMD3<Float>(0.07, 0.99, 0.11)
        let hn = h / (h * h).sum().squareRoot(), en = e / (e * e).sum().squareRoot()
        let reference = stainedTile(h: hn, e: en, scale: 1.2, seed: 1)
        let n = try StainNormalizer.fit(.macenko, reference: reference)
        XCTAssertEqual(n.stainMatrix.count, 2)
        // The estimated vectors point close to the true ones (cosine > 0.97).
        let hEst = SIMD3(n.stainMatrix[0][0], n.stainMatrix[0][1], n.stainMatrix[0][2])
        let eEst = SIMD3(n.stainMatrix[1][0], n.stainMatrix[1][1], n.stainMatrix[1][2])
        XCTAssertGreaterThan((hEst * hn).sum(), 0.97)
        XCTAssertGreaterThan((eEst * en).sum(), 0.97)

        // A paler tile of the same stains comes out with the reference's optical density.
        let pale = stainedTile(h: hn, e: en, scale: 0.6, seed: 2)
        let (normalised, fellBack) = n.apply(pale)
        XCTAssertFalse(fellBack)
        func meanOD(_ img: Image) -> Float {
            guard case .uint8(let px) = img.storage else { return 0 }
            return px.map { ColorSpace.opticalDensity($0) }.reduce(0, +) / Float(px.count)
        }
        XCTAssertEqual(meanOD(normalised), meanOD(reference), accuracy: 0.15 * meanOD(reference))
        XCTAssertLessThan(meanOD(pale), 0.7 * meanOD(reference))

        // Blank glass and a one-stain tile cannot be estimated: Reinhard, counted by the flag.
        let glass = Image(width: 16, height: 16, channels: 3, storage: .uint8([UInt8](repeating: 245, count: 16 * 16 * 3)))
        XCTAssertTrue(n.apply(glass).fellBack)
        let oneStain = stainedTile(h: hn, e: hn, scale: 1, seed: 3)
        XCTAssertTrue(n.apply(oneStain).fellBack)
        XCTAssertThrowsError(try StainNormalizer.fit(.macenko, reference: glass))
    }

    func testReinhardMatchesTheReferenceStatistics() throws {
        let reference = stainedTile(h: SIMD3(0.6, 0.7, 0.3), e: SIMD3(0.1, 0.9, 0.1), scale: 1, seed: 4)
        let n = try StainNormalizer.fit(.reinhard, reference: reference)
        let other = stainedTile(h: SIMD3(0.3, 0.8, 0.5), e: SIMD3(0.2, 0.6, 0.1), scale: 0.8, seed: 5)
        let (out, fellBack) = n.apply(other)
        XCTAssertFalse(fellBack)
        guard case .uint8(let px) = out.storage else { return XCTFail() }
        let (mean, _) = StainNormalizer.labStatistics(px)
        for c in 0..<3 { XCTAssertEqual(mean[c], n.labMean[c], accuracy: 2.5) }
        // Round trip through the manifest's JSON.
        XCTAssertEqual(try StainNormalizer(json: try n.json, file: nil), n)
        XCTAssertEqual(StainNormalizer.identity.apply(other).image, other)
    }

    func testAggregation() {
        let tiles: [[Double]] = [[0.9, 0.1], [0.8, 0.2], [0.2, 0.8]]
        let mean = SlideAggregation.mean.aggregate(tiles, k: 2)
        XCTAssertEqual(mean[0], 1.9 / 3, accuracy: 1e-12)
        let max = SlideAggregation.max.aggregate(tiles, k: 2)
        XCTAssertEqual(max[0], 0.9 / 1.7, accuracy: 1e-12)
        let top = SlideAggregation.topk.aggregate(tiles, k: 2)
        XCTAssertEqual(top[0], 0.85 / (0.85 + 0.5), accuracy: 1e-12)
        XCTAssertEqual(SlideAggregation.mean.aggregate([], k: 1), [])
    }
}
