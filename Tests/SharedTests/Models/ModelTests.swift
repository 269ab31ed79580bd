// Architectures from specs: torchvision parameter names and counts, any input
// channel count, several heads, and a Codable round trip of the spec.

import XCTest
@testable import Shared
import TestSupport

final class ModelTests: XCTestCase {
    func testResNet18NamesAndCountMatchTorchvision() throws {
        let net = try Network(spec: .classifier(.resnet18, classes: 1000))
        let names = net.namedParameters.map(\.name)
        // torchvision's state_dict has 122 entries, 20 of them num_batches_tracked, which Reticle does not keep.
        XCTAssertEqual(names.count, 102)
        XCTAssertEqual(Array(names.prefix(6)), ["conv1.weight", "bn1.weight", "bn1.bias", "bn1.running_mean", "bn1.running_var", "layer1.0.conv1.weight"])
        for n in ["layer1.0.bn2.running_var", "layer2.0.downsample.0.weight", "layer2.0.downsample.1.running_mean",
                  "layer4.1.conv2.weight", "fc.weight", "fc.bias"] { XCTAssert(names.contains(n), n) }
        XCTAssertEqual(net.parameterCount, 11_689_512)
        XCTAssertEqual(net.namedParameters.first { $0.name == "layer3.0.downsample.0.weight" }?.parameter.shape, [256, 128, 1, 1])
    }

    func testMobileNetV2NamesAndCountMatchTorchvision() throws {
        let net = try Network(spec: .classifier(.mobilenetV2, classes: 1000))
        let names = Set(net.namedParameters.map(\.name))
        for n in ["features.0.0.weight", "features.0.1.running_mean", "features.1.conv.0.0.weight", "features.1.conv.1.weight",
                  "features.1.conv.2.bias", "features.2.conv.0.0.weight", "features.2.conv.1.0.weight", "features.2.conv.3.running_var",
                  "features.17.conv.2.weight", "features.18.0.weight", "features.18.1.bias", "classifier.1.weight", "classifier.1.bias"] {
            XCTAssert(names.contains(n), n)
        }
        XCTAssertEqual(net.parameterCount, 3_504_872)
        XCTAssertEqual(net.namedParameters.first { $0.name == "features.2.conv.1.0.weight" }?.parameter.shape, [96, 1, 3, 3])
    }

    func testReducedWidthForwardShapesForEveryArchitecture() throws {
        // The core's image classifiers; domain modules register others (needing their own options) and test them.
        let core: [ModelSpec.Architecture] = [.compactCNN, .resnet18, .resnet34, .resnet50, .mobilenetV2, .vgg11, .vgg16]
        XCTAssertTrue(Set(core).isSubset(of: ModelSpec.Architecture.allCases))
        for arch in core {
            let width = arch == .compactCNN ? 0.5 : 0.125
            let spec = ModelSpec.classifier(arch, inputChannels: arch == .vgg11 ? 5 : 1, classes: 3, widthMultiplier: width)
            // VGG needs five poolings worth of input; the others take anything from 32 px.
            let size = arch == .vgg11 || arch == .vgg16 ? 32 : 33
            let net = try Network(spec: spec, seed: 1)
            let y = net(Tensor(shape: [2, spec.inputChannels, size, size], repeating: 0.5))
            XCTAssertEqual(y.shape, [2, 3], arch.rawValue)
            XCTAssert(y.scalars.allSatisfy(\.isFinite), arch.rawValue)
        }
        let vgg = try Network(spec: .classifier(.vgg16, classes: 3, widthMultiplier: 0.125))
        XCTAssertEqual(vgg.namedParameters.map(\.name).suffix(6), ["classifier.0.weight", "classifier.0.bias", "classifier.3.weight",
                                                                   "classifier.3.bias", "classifier.6.weight", "classifier.6.bias"])
        XCTAssertEqual(vgg.namedParameters.first?.name, "features.0.weight")
    }

    func testSeveralHeadsIncludingOrdinal() throws {
        let spec = ModelSpec(architecture: .compactCNN, inputChannels: 1, heads: [
            HeadSpec(name: "type", classes: ["martensite", "lower bainite", "upper bainite", "mixed"]),
            HeadSpec(name: "needle", kind: .ordinal, classes: ["1", "2", "3", "4", "5"]),
            HeadSpec(name: "defect", kind: .binary, classes: ["no", "yes"]),
        ], compactWidths: [4, 8])
        let net = try Network(spec: spec)
        let outs = net.forwardHeads(Variable(Tensor(shape: [3, 1, 12, 12], repeating: 1)), .inference)
        XCTAssertEqual(outs.map(\.shape), [[3, 4], [3, 4], [3, 1]])
        XCTAssertEqual(net.namedParameters.map(\.name).suffix(6), ["heads.type.weight", "heads.type.bias", "heads.needle.weight",
                                                                  "heads.needle.bias", "heads.defect.weight", "heads.defect.bias"])
        XCTAssertEqual(net.heads[1].weight.shape, [1, 8])
        XCTAssertEqual(net(Tensor(shape: [3, 1, 12, 12])).shape, [3, 9])
    }

    func testSpecRoundTripsThroughJSON() throws {
        let spec = ModelSpec(architecture: .mobilenetV2, inputChannels: 40, heads: [HeadSpec(name: "land", classes: ["a", "b"])],
                             widthMultiplier: 0.5, dropout: 0.2)
        let data = try JSONEncoder().encode(spec)
        XCTAssertEqual(try JSONDecoder().decode(ModelSpec.self, from: data), spec)
        XCTAssert(String(decoding: data, as: UTF8.self).contains("\"mobilenet-v2\""))
    }
}
