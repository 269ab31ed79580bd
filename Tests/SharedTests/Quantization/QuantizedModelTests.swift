// Quantising a network end to end: calibration (minmax, percentile), the int8
// network against fp32, the quantised model file (saved, loaded by ModelFile.load
// to the same outputs, damaged files refused), and QuantizeOptions' held-out check.

import XCTest
@testable import Shared
import TestSupport

final class QuantizedModelTests: XCTestCase {
    var dir: URL!
    override func setUp() { dir = makeTemporaryDirectory("reticle-quant") }
    override func tearDown() { try? FileManager.default.removeItem(at: dir) }

    /// A small ResNet-18 (8 base channels) with BatchNorm statistics that are not the identity.
    func smallResNet() throws -> Network {
        let net = try Network(spec: .classifier(.resnet18, classes: 5, widthMultiplier: 0.125), seed: 4)
        var r = SplitMix64(seed: 8)
        for (name, p) in net.namedParameters where name.hasSuffix("running_var") || name.hasSuffix("running_mean") {
            p.value = Tensor.uniform(p.shape, low: name.hasSuffix("var") ? 0.5 : -0.2, high: name.hasSuffix("var") ? 1.5 : 0.2, using: &r)
        }
        return net
    }

    func batches(_ count: Int, seed: UInt64) -> [Tensor] {
        var r = SplitMix64(seed: seed)
        return (0..<count).map { _ in Tensor.uniform([4, 3, 32, 32], low: -2, high: 2, using: &r) }
    }

    func testCalibratorsChooseTheirRanges() {
        var r = SplitMix64(seed: 1)
        let o = ActivationObserver()
        var values = (0..<100_000).map { _ in Float.random(in: 0...1, using: &r) }
        values[17] = 50  // one outlier
        o.observe(Tensor(shape: [values.count], scalars: values))
        let minmax = o.quantization(.minmax, percentile: 99.99), pct = o.quantization(.percentile, percentile: 99.9)
        XCTAssertEqual(minmax.zeroPoint, 0)
        XCTAssertEqual(minmax.scale, 50 / 255, accuracy: 1e-6)
        XCTAssertEqual(pct.zeroPoint, 0)
        XCTAssertEqual(pct.scale * 255, 1, accuracy: 0.01)  // the outlier clipped: the 99.9 % quantile of U(0, 1)
    }

    func testExtremeActivationRangesGiveAUsableQuantisation() {
        // Half the float range each way: (high − low) would overflow to infinity.
        let wide = ActivationQuantization(low: -3e38, high: 3e38)
        XCTAssertTrue(wide.scale.isFinite)
        XCTAssertEqual(wide.scale, 3e38 / 255 * 2, accuracy: 1e33)
        XCTAssertTrue((127...128).contains(wide.zeroPoint), "\(wide.zeroPoint)")
        // A range of one subnormal would give a zero scale.
        let narrow = ActivationQuantization(low: 0, high: Float.leastNonzeroMagnitude)
        XCTAssertGreaterThan(narrow.scale, 0)
        XCTAssertEqual(narrow.zeroPoint, 0)
        // Finite values that every strided pick of the percentile sample missed (they were NaN or infinite).
        let o = ActivationObserver()
        // Twice the sample's size: the sample takes every second value.
        var values = [Float](repeating: .nan, count: 2 * ActivationObserver.samplesPerBatch)
        values[1] = 2
        values[3] = -1
        o.observe(Tensor(shape: [values.count], scalars: values))
        let q = o.quantization(.percentile, percentile: 99.99)
        XCTAssertEqual(q.scale, 3 / 255, accuracy: 1e-6, "the observed range, as min-max would take it")
        XCTAssertEqual(q.zeroPoint, 85)
    }

    func testInt8NetworkFollowsFP32AndItsFileLoadsToTheSameOutputs() throws {
        let net = try smallResNet()
        let q = try QuantizedModel.quantize(net, calibration: batches(4, seed: 2), calibrator: .percentile)
        XCTAssertEqual(q.layers.count, 20)  // conv1, 16 block convolutions, 3 projections
        XCTAssertEqual(q.fp32Layers, [])
        let x = batches(2, seed: 3)
        let folded = net.folded()
        for b in x {
            let a = folded([b]).scalars, c = q.network([b]).scalars
            let err = zip(a, c).map { abs($0 - $1) }.max()!, size = a.map(abs).max()!
            XCTAssertLessThan(err / size, 0.1, "int8 logits stray from fp32")
        }
        let agreement = QuantizedModel.agreement(folded, q.network, on: x)
        XCTAssertEqual(agreement.total, 8)
        XCTAssertGreaterThanOrEqual(agreement.agreeing, 6)

        let url = dir.appendingPathComponent("q.safetensors")
        let manifest = ModelManifest(spec: net.spec, preprocessing: Preprocessing(height: 32, width: 32, channels: 3))
        try QuantizedModel.save(q, manifest: manifest, section: ["calibrator": "percentile"], to: url)
        let (loaded, m) = try ModelFile.load(from: url)
        XCTAssertEqual(m.provenance[QuantizedModel.sectionKey]?["calibrator"]?.stringValue, "percentile")
        for b in x { XCTAssertEqual(loaded([b]).scalars, q.network([b]).scalars) }
        // Folding a loaded int8 network again (what Predictor does) changes nothing.
        XCTAssertEqual(Predictor(network: loaded).logits(x[0]).scalars, q.network([x[0]]).scalars)
        // Its convolution weights are stored as I8, 7 bits.
        let file = try SafeTensorsFile.read(contentsOf: url)
        let codes = file.entries.filter { $0.name.hasSuffix(".qweight") }
        XCTAssertEqual(codes.count, 20)
        XCTAssertTrue(codes.allSatisfy { $0.dtype == .I8 })
    }

    func testDamagedQuantisedFilesAreRefusedNamingTheFile() throws {
        let net = try smallResNet()
        let q = try QuantizedModel.quantize(net, calibration: batches(1, seed: 2), calibrator: .minmax)
        let manifest = ModelManifest(spec: net.spec, preprocessing: Preprocessing(height: 32, width: 32, channels: 3))
        let url = dir.appendingPathComponent("bad.safetensors")
        // A code beyond 7 bits.
        let tooLarge = q.tensors.map { e -> (name: String, payload: SafeTensorsFile.Payload) in
            guard e.name == q.tensors.first(where: { $0.name.hasSuffix(".qweight") })?.name, case .i8(let shape, var v) = e.payload else { return e }
            v[0] = 100
            return (e.name, .i8(shape: shape, values: v))
        }
        try QuantizedModel.save(QuantizedModel.Quantized(network: q.network, tensors: tooLarge, layers: [], fp32Layers: []),
                                manifest: manifest, section: [:], to: url)
        XCTAssertThrowsError(try ModelFile.load(from: url)) { e in
            XCTAssertTrue("\(e)".contains(url.path) && "\(e)".contains("beyond ±63"), "\(e)")
        }
        // A missing input quantisation.
        let dropped = try XCTUnwrap(q.tensors.map(\.name).first { $0.hasSuffix(".last.input") })
        try QuantizedModel.save(QuantizedModel.Quantized(network: q.network, tensors: q.tensors.filter { $0.name != dropped },
                                                         layers: [], fp32Layers: []), manifest: manifest, section: [:], to: url)
        XCTAssertThrowsError(try ModelFile.load(from: url)) { e in XCTAssertTrue("\(e)".contains(dropped), "\(e)") }
    }

    func testQuantizeOptionsCheckOnHeldOutImagesAndRecordTheAgreement() throws {
        let net = try smallResNet()
        let model = dir.appendingPathComponent("m.safetensors")
        try ModelFile.save(net, manifest: ModelManifest(spec: net.spec, preprocessing: Preprocessing(height: 32, width: 32, channels: 3,
                                                                                                      mean: [0.5, 0.5, 0.5], std: [0.25, 0.25, 0.25])), to: model)
        let images = dir.appendingPathComponent("images")
        try FileManager.default.createDirectory(at: images, withIntermediateDirectories: true)
        var r = SplitMix64(seed: 6)
        for i in 0..<8 {
            let pixels = (0..<(48 * 40 * 3)).map { p in UInt8(truncatingIfNeeded: (p / 3 % 48) * (i + 1) * 3 + Int.random(in: 0...60, using: &r)) }
            try ImageFile.write(Image(width: 48, height: 40, channels: 3, storage: .uint8(pixels)), to: images.appendingPathComponent("i\(i).png").path)
        }
        try Data("not an image".utf8).write(to: images.appendingPathComponent("broken.png"))
        var o = QuantizeOptions()
        o.calibrate = images.path
        o.holdout = 3
        o.minAgreement = 0.5
        let out = dir.appendingPathComponent("q.safetensors")
        let report = try o.run(model: model.path, out: out.path)
        XCTAssertEqual(report.holdoutImages, 3)
        XCTAssertEqual(report.calibrationImages, 6)  // the broken file counts as an image, and is skipped
        XCTAssertEqual(report.skipped.count, 1)
        XCTAssertEqual(report.total, report.holdoutSamples)
        XCTAssertTrue(report.written)
        let section = try ModelFile.load(from: out).manifest.provenance[QuantizedModel.sectionKey]
        XCTAssertEqual(section?["top1_agreement"]?.doubleValue ?? -1, (report.agreement * 10000).rounded() / 10000, accuracy: 1e-9)
        XCTAssertEqual(section?["layers"]?.arrayValue?.count, 20)
        XCTAssertEqual(section?["holdout_images"]?.intValue, 3)

    }
}
