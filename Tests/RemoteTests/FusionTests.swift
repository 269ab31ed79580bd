// Co-registration, preprocessing, protocols and the fusion models on a generated scene whose
// classes need both modalities: fusion must beat either modality alone on spatially disjoint blocks.

import Foundation
@testable import Remote
import Shared
import TestSupport
import XCTest

final class FusionTests: XCTestCase {
    func testRasterisingPointsOntoTheCubeGrid() throws {
        let map = MapInfo(projection: "UTM", referencePixelX: 1, referencePixelY: 1, easting: 1000, northing: 2000,
                          pixelSizeX: 2, pixelSizeY: 2, zone: 16, hemisphere: "North")
        let cube = HyperspectralCube(samples: 3, lines: 2, bands: 1, values: [Float](repeating: 0, count: 6), mapInfo: map)
        var pts = LasPoints()
        // Pixel (0,0) covers x 1000–1002, y 1998–2000; pixel (2,1) covers x 1004–1006, y 1996–1998.
        for (x, y, z, i, r, c) in [(1000.5, 1999.5, 12.0, 10, 1, 5), (1001.5, 1998.5, 5.0, 20, 2, 2),
                                    (1005.0, 1997.0, 7.0, 40, 1, 2), (1005.5, 1996.5, 9.0, 60, 1, 1),
                                    (1500.0, 1500.0, 1.0, 0, 1, 2)] as [(Double, Double, Double, Int, Int, Int)] {
            pts.x.append(x); pts.y.append(y); pts.z.append(z); pts.intensity.append(UInt16(i))
            pts.returnNumber.append(UInt8(r)); pts.classification.append(UInt8(c))
        }
        let result = try LidarRasterizer(layers: LidarLayer.allCases, fill: InverseDistanceFill(power: 2, neighbours: 2, maxRadius: 4))
            .rasterize(pts, like: cube, file: "test.las")
        XCTAssertEqual(result.pointsOnGrid, 4)
        XCTAssertEqual(result.pointsOffGrid, 1)
        XCTAssertEqual(result.coveredCells, 2)
        let r = result.raster
        func at(_ layer: LidarLayer, _ s: Int, _ l: Int) -> Float { r[sample: s, line: l, band: LidarLayer.allCases.firstIndex(of: layer)!] }
        XCTAssertEqual(at(.maxZ, 0, 0), 12)
        XCTAssertEqual(at(.minZ, 0, 0), 5)   // the ground-classified point
        XCTAssertEqual(at(.normalizedHeight, 0, 0), 7)
        XCTAssertEqual(at(.meanIntensity, 0, 0), 15)
        XCTAssertEqual(at(.pointCount, 0, 0), 2)
        XCTAssertEqual(at(.multipleReturnFraction, 0, 0), 0.5)
        XCTAssertEqual(at(.maxZ, 2, 1), 9)
        XCTAssertEqual(at(.minZ, 2, 1), 7)
        XCTAssertEqual(at(.pointCount, 1, 0), 0)
        // Cell (1, 0) is empty: inverse-distance weights of its two filled neighbours, distance 1 and √2.
        let w0 = 1.0, w1 = 1.0 / 2.0
        XCTAssertEqual(Double(at(.maxZ, 1, 0)), (w0 * 12 + w1 * 9) / (w0 + w1), accuracy: 1e-5)
        XCTAssertEqual(r.mapInfo, map)
    }

    func testPCAFindsTheDominantDirection() throws {
        // Points along (1, 2, 2)/3 plus a small orthogonal wobble.
        var rng = SplitMix64(seed: 5)
        var data: [Float] = []
        for _ in 0..<500 {
            let t = Float(rng.nextNormal()) * 3, e = Float(rng.nextNormal()) * 0.1
            data += [t / 3 + 2 * e / 3 + 1, 2 * t / 3 - 2 * e / 3 + 2, 2 * t / 3 + e / 3 - 1]
        }
        let pca = try PrincipalComponents(data: data, rows: 500, dimensions: 3, keep: 2)
        assertClose(Array(pca.components.prefix(3)), [1.0 / 3, 2.0 / 3, 2.0 / 3], rtol: 0, atol: 0.01)
        XCTAssertEqual(pca.variances[0], 9, accuracy: 1.2)
        XCTAssertEqual(pca.variances[1], 0.01, accuracy: 0.005)
        XCTAssertEqual(pca.project(Array(data.prefix(3)), rows: 1).count, 2)
    }

    func testSplitsAreDisjointAndDescribeThemselves() throws {
        let scene = FusionSceneGenerator(samples: 48, lines: 48, bands: 4, seed: 2).generate()
        let labels = LabelRaster(samples: 48, lines: 48, labels: scene.labels)
        for kind in SamplingProtocol.Kind.allCases where kind != .official {
            let split = SamplingProtocol(kind: kind, perClass: 30, blockSize: 8, trainFraction: 0.5, seed: 3).split(labels)
            XCTAssertTrue(Set(split.train).isDisjoint(with: split.test), "\(kind)")
            XCTAssertEqual(split.train.count + split.test.count, 48 * 48, "\(kind)")
            XCTAssertEqual(split.description["protocol"]?.stringValue, kind.rawValue)
            XCTAssertEqual(split.warnings.contains { $0.contains("random pixel split") }, kind == .randomPixels)
            if kind == .perClass { XCTAssertEqual(split.train.count, 4 * 30) }
            if kind == .blocks {
                // No 8 × 8 block has pixels on both sides.
                let trainBlocks = Set(split.train.map { ($0 / 48) / 8 * 6 + ($0 % 48) / 8 })
                let testBlocks = Set(split.test.map { ($0 / 48) / 8 * 6 + ($0 % 48) / 8 })
                XCTAssertTrue(trainBlocks.isDisjoint(with: testBlocks))
                let share = Double(split.train.count) / Double(48 * 48)
                XCTAssertEqual(share, 0.5, accuracy: 0.15)
            }
        }
    }

    func testAccuracyFigures() throws {
        // Reference values: scikit-learn accuracy_score, balanced_accuracy_score, cohen_kappa_score.
        let truth = [0, 0, 0, 1, 1, 2, 2, 2, 2, 2], predicted = [0, 0, 1, 1, 1, 2, 2, 2, 0, 2]
        let a = try ClassificationAccuracy(classes: ["a", "b", "c"], truth: truth, predicted: predicted, split: ["protocol": "test"])
        XCTAssertEqual(a.overallAccuracy, 0.8, accuracy: 1e-12)
        XCTAssertEqual(a.averageAccuracy, (2.0 / 3 + 1 + 0.8) / 3, accuracy: 1e-12)
        XCTAssertEqual(a.kappa, 0.45 / 0.65, accuracy: 1e-12)  // p_o 0.8, p_e 0.35
        XCTAssertEqual(a.json["confusion"]?.arrayValue?.first?.arrayValue?.compactMap(\.intValue), [2, 1, 0])
        XCTAssertEqual(a.json["split"]?.objectValue?["protocol"]?.stringValue, "test")
    }

    /// The acceptance test: on a generated scene, trained and tested on spatially disjoint blocks,
    /// the two-branch model beats the HSI-only and LiDAR-only models.
    func testFusionBeatsEitherModalityOnDisjointBlocks() throws {
        let dir = makeTemporaryDirectory("fusion")
        defer { try? FileManager.default.removeItem(at: dir) }
        _ = try FusionSceneGenerator(samples: 48, lines: 48, bands: 12, seed: 7).write(to: dir)
        var oa: [FusionModelKind: Double] = [:]
        for kind in FusionModelKind.allCases {
            var o = RemoteTrainOptions()
            o.hsi = dir.appendingPathComponent("cube.hdr").path
            o.lidar = dir.appendingPathComponent("lidar.las").path
            o.labels = dir.appendingPathComponent("labels.tif").path
            o.modelKind = kind.rawValue
            o.patch = 5
            o.width = 8
            o.epochs = 6
            o.batchSize = 32
            o.learningRate = 3e-3
            o.split = "blocks"
            o.blockSize = 8
            o.seed = 3
            let result = try FusionTrainer(options: o).train()
            oa[kind] = try XCTUnwrap(result.evaluation).overallAccuracy
        }
        print("fusion test OA:", oa)
        let fusion = oa[.fusion]!, hsi = oa[.hsi]!, lidar = oa[.lidar]!
        XCTAssertGreaterThan(fusion, 0.85)
        XCTAssertLessThan(hsi, 0.75)
        XCTAssertLessThan(lidar, 0.75)
        XCTAssertGreaterThan(fusion, max(hsi, lidar) + 0.15)
    }
}
