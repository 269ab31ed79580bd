// safetensors: round trips, dtype widening, a Network saved and reloaded, and
// hostile files (as a table of cases) that must give ReticleError, never a crash.

import XCTest
import Foundation
@testable import Shared
import TestSupport

/// A file from a header text and `dataBytes` bytes of data (length field = header's byte count unless overridden).
func safetensorsBytes(header: String, dataBytes: [UInt8] = [], lengthField: UInt64? = nil) -> Data {
    var d = Data()
    let h = Data(header.utf8)
    withUnsafeBytes(of: (lengthField ?? UInt64(h.count)).littleEndian) { d.append(contentsOf: $0) }
    d.append(h)
    d.append(contentsOf: dataBytes)
    return d
}

final class SafeTensorsTests: XCTestCase {
    func testRoundTripKeepsNamesShapesValuesAndMetadata() throws {
        var rng = SplitMix64(seed: 1)
        let a = Tensor.uniform([2, 3, 1, 1], low: -1, high: 1, using: &rng), b = Tensor(shape: [5], scalars: [1, 2, 3, 4, 5])
        let data = SafeTensorsFile.serialize([("layer.weight", a), ("layer.bias", b), ("empty", Tensor(shape: [0]))],
                                             metadata: ["k": "v"])
        XCTAssertEqual(data.withUnsafeBytes { Int($0.loadUnaligned(as: UInt64.self)) } % 8, 0, "header is padded to 8 bytes")
        let file = try SafeTensorsFile(data: data)
        XCTAssertEqual(file.names, ["layer.weight", "layer.bias", "empty"])
        XCTAssertEqual(file.metadata, ["k": "v"])
        XCTAssertEqual(try file.tensor("layer.weight").scalars, a.scalars)
        XCTAssertEqual(try file.tensor("layer.bias").shape, [5])
        XCTAssertThrowsError(try file.tensor("missing"))
    }

    func testOtherDTypesWidenToFloat() throws {
        // F16 1.5 = 0x3E00, BF16 -2 = 0xC000, I64 7.
        let header = #"{"h":{"dtype":"F16","shape":[1],"data_offsets":[0,2]},"b":{"dtype":"BF16","shape":[1],"data_offsets":[2,4]},"#
            + #""n":{"dtype":"I64","shape":[1],"data_offsets":[4,12]}}"#
        let file = try SafeTensorsFile(data: safetensorsBytes(header: header, dataBytes: [0x00, 0x3E, 0x00, 0xC0, 7, 0, 0, 0, 0, 0, 0, 0]))
        XCTAssertEqual(try file.tensor("h").item, 1.5)
        XCTAssertEqual(try file.tensor("b").item, -2)
        XCTAssertEqual(try file.tensor("n").item, 7)
    }

    /// Malformed-input cases as data: (what, file bytes, words the error must contain).
    let hostile: [(String, Data, String)] = [
        ("shorter than the length field", Data([1, 2, 3]), "too short"),
        ("header length past end of file", safetensorsBytes(header: "{}", lengthField: 1000), "exceeds"),
        ("header length near 2^64", safetensorsBytes(header: "{}", lengthField: UInt64.max), "exceeds"),
        ("non-JSON header", safetensorsBytes(header: "{not json"), "not valid JSON"),
        ("header not an object", safetensorsBytes(header: "[1, 2]"), "start with"),
        ("entry not an object", safetensorsBytes(header: #"{"a": 3}"#), "not an object"),
        ("unknown dtype", safetensorsBytes(header: #"{"a":{"dtype":"F8_E9","shape":[1],"data_offsets":[0,1]}}"#, dataBytes: [0]), "unsupported dtype"),
        ("missing dtype", safetensorsBytes(header: #"{"a":{"shape":[1],"data_offsets":[0,4]}}"#, dataBytes: [0, 0, 0, 0]), "no dtype"),
        ("negative dimension", safetensorsBytes(header: #"{"a":{"dtype":"F32","shape":[-1],"data_offsets":[0,4]}}"#, dataBytes: [0, 0, 0, 0]), "invalid shape"),
        ("offsets past the data", safetensorsBytes(header: #"{"a":{"dtype":"F32","shape":[4],"data_offsets":[0,16]}}"#, dataBytes: [0, 0, 0, 0]), "ends at byte"),
        ("offsets reversed", safetensorsBytes(header: #"{"a":{"dtype":"F32","shape":[0],"data_offsets":[8,4]}}"#, dataBytes: [UInt8](repeating: 0, count: 8)), "invalid data_offsets"),
        ("negative offset", safetensorsBytes(header: #"{"a":{"dtype":"F32","shape":[1],"data_offsets":[-4,0]}}"#), "invalid data_offsets"),
        ("fractional offset", safetensorsBytes(header: #"{"a":{"dtype":"F32","shape":[1],"data_offsets":[0.5,4.5]}}"#, dataBytes: [0, 0, 0, 0, 0]), "invalid data_offsets"),
        ("size disagrees with shape", safetensorsBytes(header: #"{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,4]}}"#, dataBytes: [0, 0, 0, 0]), "needs 8 bytes"),
        ("dimension beyond 2^53", safetensorsBytes(header: #"{"a":{"dtype":"F32","shape":[4611686018427387904],"data_offsets":[0,4]}}"#, dataBytes: [0, 0, 0, 0]), "invalid shape"),
        ("shape product overflows", safetensorsBytes(header: #"{"a":{"dtype":"F32","shape":[1099511627776,1099511627776,64],"data_offsets":[0,4]}}"#, dataBytes: [0, 0, 0, 0]), "too large"),
        ("overlapping tensors", safetensorsBytes(header: #"{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},"b":{"dtype":"F32","shape":[2],"data_offsets":[4,12]}}"#, dataBytes: [UInt8](repeating: 0, count: 12)), "overlap"),
        ("metadata value not a string", safetensorsBytes(header: #"{"__metadata__":{"k":1}}"#), "not a string"),
        ("truncated data section", safetensorsBytes(header: #"{"a":{"dtype":"F32","shape":[3],"data_offsets":[0,12]}}"#, dataBytes: [0, 0, 0, 0, 0, 0]), "ends at byte"),
    ]

    func testHostileFilesGiveClearErrors() throws {
        for (what, data, words) in hostile {
            XCTAssertThrowsError(try SafeTensorsFile(data: data, file: "bad.safetensors"), what) { error in
                guard let e = error as? ReticleError else { return XCTFail("\(what): not a ReticleError: \(error)") }
                XCTAssertEqual(e.kind, .corrupt, what)
                XCTAssertEqual(e.file, "bad.safetensors", what)
                XCTAssert(e.reason.contains(words), "\(what): \"\(e.reason)\" lacks \"\(words)\"")
            }
        }
    }

    func testNetworkSavesAndLoadsWithManifest() throws {
        let dir = makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let spec = ModelSpec(architecture: .resnet18, inputChannels: 1, heads: [
            HeadSpec(name: "type", classes: ["martensite", "bainite"]), HeadSpec(name: "length", kind: .ordinal, classes: ["1", "2", "3"]),
        ], widthMultiplier: 0.125)
        let net = try Network(spec: spec, seed: 5)
        // Make the running statistics non-trivial so the round trip proves they are saved.
        _ = net(Variable(Tensor(shape: [2, 1, 32, 32], repeating: 0.3)), ForwardContext(training: true))
        let manifest = ModelManifest(spec: spec, preprocessing: Preprocessing(height: 32, width: 32, channels: 1, scale: 0.25, scaleUnit: "µm/px"),
                                     provenance: ["epochs": 3, "data_sha256": "abc"])
        let url = dir.appendingPathComponent("m.safetensors")
        try ModelFile.save(net, manifest: manifest, to: url)
        let (loaded, m2) = try ModelFile.load(from: url)
        XCTAssertEqual(m2.spec, manifest.spec)
        XCTAssertEqual(m2.preprocessing, manifest.preprocessing)
        XCTAssertEqual(m2.provenance, manifest.provenance)
        XCTAssertEqual(m2.formatVersion, ModelManifest.currentFormatVersion)
        XCTAssertEqual(m2.graph, net.graph)
        var rng = SplitMix64(seed: 9)
        let x = Tensor.uniform([2, 1, 32, 32], using: &rng)
        assertClose(loaded(x).scalars, net(x).scalars, rtol: 0, atol: 0)
        let info = try ModelFile.inspect(url)
        XCTAssertEqual(info["parameters"]?.intValue, net.parameterCount)
        XCTAssertEqual(info["manifest"]?["heads"]?.arrayValue?.count, 2)

        // Loading builds with zero weights (nothing drawn) and the file fills every one.
        let blank = try Network(spec: spec, seed: 5, drawingWeights: false)
        let drawn = Set(["conv1.weight", "layer1.0.conv1.weight", "heads.type.weight", "heads.type.bias"])
        for (name, p) in blank.namedParameters where drawn.contains(name) {
            XCTAssertTrue(p.value.scalars.allSatisfy { $0 == 0 }, name)
        }
        XCTAssertEqual(blank.namedParameters.filter { drawn.contains($0.name) }.count, 4)
        let fresh = try Network(spec: spec, seed: 5)
        XCTAssertEqual(fresh.namedParameters.map(\.name), blank.namedParameters.map(\.name))
        XCTAssertTrue(fresh.namedParameters.first { $0.name == "conv1.weight" }!.parameter.value.scalars.contains { $0 != 0 })
    }

    func testHostileManifestsAreRejectedBeforeBuilding() throws {
        let spec = ModelSpec.classifier(.compactCNN, inputChannels: 1, classes: 2)
        let good = ModelManifest(spec: spec, preprocessing: Preprocessing(height: 8, width: 8, channels: 1)).json.serialized()
        XCTAssertNoThrow(try ModelManifest(json: good))
        let hostile = [
            good.replacingOccurrences(of: "\"inputChannels\":1", with: "\"inputChannels\":1000000000"),
            good.replacingOccurrences(of: "\"widthMultiplier\":1", with: "\"widthMultiplier\":100000"),
            good.replacingOccurrences(of: "\"classes\":[\"class0\",\"class1\"],\"kind\"", with: "\"classes\":[],\"kind\""),
            good.replacingOccurrences(of: "\"format_version\":\(ModelManifest.currentFormatVersion)", with: "\"format_version\":99"),
            "{\"format_version\":1}", "not json",
        ]
        for text in hostile {
            XCTAssertNotEqual(text, good)
            XCTAssertThrowsError(try ModelManifest(json: text, file: "m.safetensors"), text) { error in
                XCTAssertEqual((error as? ReticleError)?.file, "m.safetensors")
            }
        }
    }

    func testLoadingWeightsChecksNamesAndShapes() throws {
        let net = try Network(spec: .classifier(.compactCNN, inputChannels: 1, classes: 2), seed: 1)
        var tensors = net.namedParameters.map { (name: $0.name, tensor: $0.parameter.value) }
        tensors.append((name: "features.1.num_batches_tracked", tensor: Tensor(scalar: 3)))
        XCTAssertNoThrow(try ModelFile.loadWeights(into: net, from: SafeTensorsFile(data: SafeTensorsFile.serialize(tensors))))
        var wrongShape = tensors
        wrongShape[0].tensor = Tensor(shape: [1])
        XCTAssertThrowsError(try ModelFile.loadWeights(into: net, from: SafeTensorsFile(data: SafeTensorsFile.serialize(wrongShape))))
        XCTAssertThrowsError(try ModelFile.loadWeights(into: net, from: SafeTensorsFile(data: SafeTensorsFile.serialize(Array(tensors.dropFirst())))))
        let extra = tensors + [(name: "stray.weight", tensor: Tensor(shape: [1]))]
        XCTAssertThrowsError(try ModelFile.loadWeights(into: net, from: SafeTensorsFile(data: SafeTensorsFile.serialize(extra))))
    }
}
