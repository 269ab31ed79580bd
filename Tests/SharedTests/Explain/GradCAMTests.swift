// Grad-CAM on a constructed example: a tiny CNN learns that a checkerboard texture in one
// quadrant means class 1; its class-1 map must put most of its mass on that quadrant.

import XCTest
@testable import Shared
import TestSupport

final class GradCAMTests: XCTestCase {
    /// 16×16 noise; class 1 adds a checkerboard in a random quadrant... fixed to the top-left here.
    static func image(_ positive: Bool, rng: inout SplitMix64) -> Tensor {
        var v = (0..<256).map { _ in 0.2 * rng.nextNormal() }
        if positive {
            for y in 0..<8 { for x in 0..<8 { v[y * 16 + x] += (x + y) % 2 == 0 ? 1 : -1 } }
        }
        return Tensor(shape: [1, 16, 16], scalars: v)
    }

    func testMapConcentratesOnTheQuadrantThatCarriesTheClass() throws {
        var rng = SplitMix64(seed: 3)
        var images: [Tensor] = [], labels: [Int] = []
        for i in 0..<128 { images.append(Self.image(i % 2 == 1, rng: &rng)); labels.append(i % 2) }
        let spec = ModelSpec(architecture: .compactCNN, inputChannels: 1, heads: [HeadSpec(name: "class", classes: ["flat", "textured"])],
                             compactWidths: [8, 16])
        let network = try Network(spec: spec, seed: 1)
        var config = TrainerConfig()
        config.epochs = 8
        config.batchSize = 16
        config.learningRate = LearningRateSchedule(base: 1e-2)
        try Trainer(network: network, config: config).fit(TensorSamples(images: Tensor.stack(images), labels: [labels]), train: Array(0..<128))

        let test = Tensor.stack((0..<4).map { _ in Self.image(true, rng: &rng) })
        XCTAssertEqual(network.predict(test)[0], [1, 1, 1, 1])
        let cam = try GradCAM(network: network)
        XCTAssertEqual(cam.layerNames.first, "features.0")
        for map in cam.maps(test, head: 0, classIndex: 1) {
            XCTAssertEqual(map.width, 16)
            XCTAssertGreaterThan(map.massFraction(x0: 0, y0: 0, x1: 8, y1: 8), 0.6)
        }
        XCTAssertThrowsError(try GradCAM(network: network, layer: "nope"))

        // Maps from several threads at once equal the maps taken one at a time, and no parameter collects a
        // gradient (nothing shared is written, so no lock is needed).
        for (_, p) in network.namedParameters { p.grad = nil }
        let single = cam.maps(test, head: 0, classIndex: 1).map(\.values)
        let results = ConcurrentResults(count: 8)
        DispatchQueue.concurrentPerform(iterations: 8) { i in
            results.set(i, cam.maps(test, head: 0, classIndex: 1).map(\.values))
        }
        for r in results.values { XCTAssertEqual(r, single) }
        XCTAssertTrue(network.namedParameters.allSatisfy { $0.parameter.grad == nil })
    }

    func testOverlayIsRGBOfTheImageSize() throws {
        let gray = Image(width: 4, height: 2, channels: 1, storage: .uint8([0, 50, 100, 150, 200, 250, 255, 10]))
        let map = SaliencyMap(width: 2, height: 1, values: [0, 1])
        let out = HeatmapOverlay().render(gray, map: map)
        XCTAssertEqual(out.channels, 3)
        XCTAssertEqual(out.width, 4)
        // Cold pixels stay grey.
        guard case .uint8(let p) = out.storage else { return XCTFail("not 8-bit") }
        XCTAssertEqual(p[0], p[1]); XCTAssertEqual(p[1], p[2])
    }
}

/// Results written by concurrent workers, one slot each.
final class ConcurrentResults: @unchecked Sendable {
    private let lock = NSLock()
    private(set) var values: [[[Float]]]
    init(count: Int) { values = Array(repeating: [], count: count) }
    func set(_ i: Int, _ v: [[Float]]) { lock.lock(); values[i] = v; lock.unlock() }
}
