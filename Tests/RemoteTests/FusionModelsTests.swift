// The cross-state (CSFMamba-style) and patch-free (FreeNet-style) land-cover models on the
// generated scene whose classes need both modalities, their model files, the stratified pixel
// sampler and the `--model-kind` names.

import Foundation
@testable import Remote
import Shared
import TestSupport
import XCTest

final class FusionModelsTests: XCTestCase {
    static func options(_ dir: URL, kind: String) -> RemoteTrainOptions {
        var o = RemoteTrainOptions()
        o.hsi = dir.appendingPathComponent("cube.hdr").path
        o.lidar = dir.appendingPathComponent("lidar.las").path
        o.labels = dir.appendingPathComponent("labels.tif").path
        o.modelKind = kind
        o.split = "blocks"
        o.blockSize = 8
        o.seed = 3
        return o
    }

    func testModelKindNames() throws {
        XCTAssertEqual(FusionFamily.modelKinds, ["fusion", "hsi-only", "lidar-only", "csf", "csf-hsi-only", "csf-lidar-only",
                                                 "freenet", "freenet-hsi-only", "freenet-lidar-only"])
        let (f, k) = try FusionFamily.parse(modelKind: "csf-lidar-only")
        XCTAssertEqual(f, .crossState)
        XCTAssertEqual(k, .lidar)
        XCTAssertThrowsError(try FusionFamily.parse(modelKind: "mamba")) { XCTAssertTrue("\($0)".contains("freenet-lidar-only")) }
        var o = RemoteTrainOptions()
        o.labels = "l.tif"; o.hsi = "c.hdr"; o.lidar = "l.las"; o.modelKind = "freenet"; o.width = 6
        XCTAssertThrowsError(try o.validate()) { XCTAssertTrue("\($0)".contains("divisible by 4"), "\($0)") }
    }

    func testStratifiedSamplerBalancesClassesAndReshuffles() {
        // Class 0 has 10 pixels, class 1 has 3, class 2 none.
        let pixels = Array(100..<113), labels = [Int](repeating: 0, count: 10) + [1, 1, 1]
        var sampler = StratifiedPixelSampler(pixels: pixels, labels: labels, classes: 3, perClass: 4, seed: 9)
        var seen0 = Set<Int>()
        for step in 0..<2 {
            let (p, l) = sampler.next()
            XCTAssertEqual(l, [0, 0, 0, 0, 1, 1, 1], "step \(step)")
            XCTAssertEqual(Set(p).count, p.count)
            XCTAssertEqual(Set(p.suffix(3)), [110, 111, 112])
            seen0.formUnion(p.prefix(4))
        }
        // Two steps of four draw eight different pixels of class 0 before its pool is reshuffled.
        XCTAssertEqual(seen0.count, 8)
        XCTAssertTrue(seen0.isSubset(of: Set(100..<110)))
    }

    /// Cross-state scans on patches: fusion above 85 % OA on disjoint blocks and well above a
    /// single modality's self-steered scan.
    func testCrossStateFusionBeatsOneModality() throws {
        let dir = makeTemporaryDirectory("csf")
        defer { try? FileManager.default.removeItem(at: dir) }
        _ = try FusionSceneGenerator(samples: 48, lines: 48, bands: 12, seed: 7).write(to: dir)
        var oa: [String: Double] = [:]
        for kind in ["csf", "csf-hsi-only", "csf-lidar-only"] {
            var o = Self.options(dir, kind: kind)
            o.patch = 5; o.width = 8; o.state = 4; o.epochs = 3; o.batchSize = 32; o.learningRate = 4e-3
            oa[kind] = try XCTUnwrap(FusionTrainer(options: o).train().evaluation).overallAccuracy
        }
        print("cross-state test OA:", oa)
        XCTAssertGreaterThan(oa["csf"]!, 0.85)
        XCTAssertGreaterThan(oa["csf"]!, max(oa["csf-hsi-only"]!, oa["csf-lidar-only"]!) + 0.1)
    }

    /// The whole-scene model trained on class-balanced pixel samples: fusion above 85 % OA on
    /// disjoint blocks, above either modality alone; saved, loaded and run by `remote classify`,
    /// the map matches the in-memory model's predictions.
    func testPatchFreeModelLearnsTheSceneAndRoundTrips() throws {
        let dir = makeTemporaryDirectory("freenet")
        defer { try? FileManager.default.removeItem(at: dir) }
        _ = try FusionSceneGenerator(samples: 48, lines: 48, bands: 12, seed: 7).write(to: dir)
        var oa: [String: Double] = [:]
        var fusion: FusionTrainingResult?
        for kind in ["freenet", "freenet-hsi-only", "freenet-lidar-only"] {
            var o = Self.options(dir, kind: kind)
            o.width = 8; o.epochs = 60; o.pixelsPerClass = 24; o.learningRate = 5e-3
            let result = try FusionTrainer(options: o).train()
            oa[kind] = try XCTUnwrap(result.evaluation).overallAccuracy
            if kind == "freenet" { fusion = result }
        }
        print("patch-free test OA:", oa)
        XCTAssertGreaterThan(oa["freenet"]!, 0.85)
        XCTAssertGreaterThan(oa["freenet"]!, max(oa["freenet-hsi-only"]!, oa["freenet-lidar-only"]!) + 0.1)

        let result = try XCTUnwrap(fusion)
        XCTAssertEqual(result.info.patch, 1)
        XCTAssertEqual(result.info.modelKind, "freenet")
        let model = dir.appendingPathComponent("freenet.safetensors")
        try ModelFile.save(result.network, manifest: result.manifest, to: model)
        var c = RemoteClassifyOptions()
        c.hsi = dir.appendingPathComponent("cube.hdr").path
        c.lidar = dir.appendingPathComponent("lidar.las").path
        c.model = model.path
        c.reference = dir.appendingPathComponent("labels.tif").path
        let out = dir.appendingPathComponent("map")
        let classified = try SceneClassification(options: c).run(out: out)
        XCTAssertEqual(classified.pixels, 48 * 48)
        let inputs = try FusionInputs.load(hsi: c.hsi, lidar: c.lidar, layers: result.info.lidarLayers ?? LidarLayer.standard)
        let scene = try result.info.scene(inputs)
        let expected = FusionClassifier(network: result.network, info: result.info).predict(scene, pixels: Array(0..<(48 * 48)))
        let map = try RasterFile.read(out.appendingPathComponent("map.tif").path)
        XCTAssertEqual(map.values.map { Int($0) - 1 }, expected)
        let truth = try LabelRaster.read(dir.appendingPathComponent("labels.tif").path).labels
        let metrics = try JSONValue.parse(String(contentsOf: out.appendingPathComponent("metrics.json"), encoding: .utf8))
        XCTAssertEqual(metrics.objectValue?["overall_accuracy"]?.doubleValue ?? 0,
                       Double(zip(expected, truth).filter { $0 == $1 - 1 }.count) / Double(48 * 48), accuracy: 1e-9)
    }

    func testCrossStateModelFileRoundTrips() throws {
        let dir = makeTemporaryDirectory("csf-file")
        defer { try? FileManager.default.removeItem(at: dir) }
        _ = try FusionSceneGenerator(samples: 24, lines: 24, bands: 6, seed: 4).write(to: dir)
        var o = Self.options(dir, kind: "csf")
        o.patch = 5; o.width = 4; o.state = 2; o.epochs = 1
        let result = try FusionTrainer(options: o).train()
        let url = dir.appendingPathComponent("csf.safetensors")
        try ModelFile.save(result.network, manifest: result.manifest, to: url)
        let (loaded, manifest) = try ModelFile.load(from: url)
        let info = try FusionModelInfo.from(manifest, file: url.path)
        XCTAssertEqual(info, result.info)
        XCTAssertEqual(info.modelFamily, .crossState)
        XCTAssertTrue(loaded.namedParameters.contains { $0.name == "cross1.lidar.scan.A_log" })
        let inputs = try FusionInputs.load(hsi: o.hsi, lidar: o.lidar, layers: info.lidarLayers ?? LidarLayer.standard)
        let scene = try info.scene(inputs)
        let pixels = Array(0..<(24 * 24))
        assertClose(FusionClassifier(network: loaded, info: info).probabilities(scene, pixels: pixels),
                    FusionClassifier(network: result.network, info: result.info).probabilities(scene, pixels: pixels), rtol: 1e-4, atol: 1e-5)
    }
}
