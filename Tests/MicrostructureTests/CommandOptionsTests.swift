// Options are values: every stored property of every command's options reaches the settings
// hash, found by reflection, so a field added later is covered without editing this test
// (the fixtures below must then set it, or the first assertion says which one is missing).

import Foundation
import Microstructure
import Shared
import XCTest

final class CommandOptionsTests: XCTestCase {
    func testEveryFieldOfEveryOptionsTypeReachesTheSettingsHash() throws {
        try assertEveryFieldReachesHash(InspectOptions(showPhi: false), InspectOptions(showPhi: true))
        try assertEveryFieldReachesHash(MicroCalibrateOptions(calibration: Self.calibrationA),
                                        MicroCalibrateOptions(calibration: Self.calibrationB))
        try assertEveryFieldReachesHash(Self.grainSize(true), Self.grainSize(false))
        try assertEveryFieldReachesHash(Self.grade(true), Self.grade(false))
        try assertEveryFieldReachesHash(Self.synth(true), Self.synth(false))
        try assertEveryFieldReachesHash(Self.train(true), Self.train(false))
        try assertEveryFieldReachesHash(Self.evaluate(true), Self.evaluate(false))
        try assertEveryFieldReachesHash(Self.agreement(true), Self.agreement(false))
    }

    func testOptionNamesAreTheFlagNames() {
        XCTAssertEqual(OptionKeys.optionName("umPerPxModel"), "um-per-px-model")
        XCTAssertEqual(OptionKeys.optionName("class1Um"), "class1-um")
        XCTAssertEqual(OptionKeys.propertyName("specimen-pattern"), "specimenPattern")
        XCTAssertEqual(MicroGradeOptions.keys, ["model", "explain", "grain-size", "standard", "lath-size", "specimen-pattern", "specimen-manifest",
                                                "min-confidence", "min-needle-confidence", "max-crop-disagreement",
                                                "max-feature-distance", "tta", "um-per-px", "profile", "microscope", "objective",
                                                "scale-bar-um"])
        XCTAssertEqual(Set(RunOptions.keys), ["out", "force", "append", "retry-crashed", "shard", "threads", "include", "exclude", "no-recursive",
                                              "all-files", "json", "quiet", "protocol-sha256"])
        // Run options are never options of a command: they do not join the settings.
        for type in [MicroGradeOptions.keys, MicroGrainSizeOptions.keys, MicroCalibrateOptions.keys, InspectOptions.keys] {
            XCTAssertTrue(Set(type).isDisjoint(with: RunOptions.keys), "\(type)")
        }
    }

    func testSettingsNameTheVersionModelFilesAndProtocol() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("options-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let model = dir.appendingPathComponent("m.safetensors"), manifest = dir.appendingPathComponent("s.csv")
        try Data("model one".utf8).write(to: model)
        try Data("image,specimen\na.tif,s1\n".utf8).write(to: manifest)
        var o = MicroGradeOptions()
        o.model = model.path
        o.specimenManifest = manifest.path
        let s = try BatchSettings.make(o, protocolSHA256: "abc")
        XCTAssertEqual(s.keys, ["command", "files", "model_sha256", "options", "protocol_sha256", "reticle"], "sorted keys")
        XCTAssertEqual(s["reticle"]?.stringValue, ReticleVersion.string)
        XCTAssertEqual(s["model_sha256"]?.stringValue, FileFingerprint.sha256(Data("model one".utf8)))
        XCTAssertEqual(s["options"]?["min-confidence"]?.doubleValue, 0.6)
        XCTAssertNotNil(s["files"]?["specimen-manifest"]?.stringValue)
        // A changed model or manifest file (same paths) changes the hash; a protocol does too.
        let before = try BatchSettings.hash(o)
        XCTAssertEqual(before, try BatchSettings.hash(o), "stable")
        XCTAssertNotEqual(before, try BatchSettings.hash(o, protocolSHA256: "abc"))
        try Data("image,specimen\na.tif,s2\n".utf8).write(to: manifest)
        let afterManifest = try BatchSettings.hash(o)
        XCTAssertNotEqual(before, afterManifest)
        try Data("model two".utf8).write(to: model)
        XCTAssertNotEqual(afterManifest, try BatchSettings.hash(o))
    }

    // MARK: - The check

    /// `a` and `b` set every field (optionals included) to different values. Asserts that the
    /// encoded value holds every stored property found by reflection, and that taking any one
    /// field from `b` into `a` changes the settings hash.
    func assertEveryFieldReachesHash<O: CommandOptions>(_ a: O, _ b: O, file: StaticString = #filePath, line: UInt = #line) throws {
        let name = String(describing: O.self)
        let keys = O.keys
        XCTAssertEqual(Set(keys).count, keys.count, "\(name): an option name appears twice", file: file, line: line)
        let ea = try a.encoded, eb = try b.encoded
        let leavesA = Self.leaves(ea)
        XCTAssertEqual(leavesA.map { $0.path.last! }.sorted(), keys.sorted(),
                       "\(name): the encoded value must hold every stored property (a fixture leaves an optional unset, or a property is left out of coding)",
                       file: file, line: line)
        let hashA = try BatchSettings.hash(a)
        XCTAssertEqual(try BatchSettings.hash(OptionKeys.decode(O.self, from: ea)), hashA, "\(name): encoding round-trips",
                       file: file, line: line)
        for leaf in leavesA {
            let field = "\(name).\(leaf.path.joined(separator: "."))"
            // b's value, or no value (an optional b leaves unset).
            let other = Self.value(eb, at: leaf.path)
            XCTAssertNotEqual(leaf.value, other, "\(field): the fixtures must differ here", file: file, line: line)
            let mixed = Self.setting(ea, at: leaf.path, to: other)
            let changed = try OptionKeys.decode(O.self, from: mixed)
            XCTAssertNotEqual(try BatchSettings.hash(changed), hashA, "\(field) does not reach the settings hash", file: file, line: line)
        }
    }

    static func leaves(_ v: JSONValue, path: [String] = []) -> [(path: [String], value: JSONValue)] {
        guard let o = v.objectValue else { return [(path, v)] }
        return o.flatMap { leaves($0.value, path: path + [$0.key]) }
    }

    static func value(_ v: JSONValue, at path: [String]) -> JSONValue? {
        path.reduce(v as JSONValue?) { $0?[$1] }
    }

    /// `v` with the value at `path` replaced, or removed when `new` is nil.
    static func setting(_ v: JSONValue, at path: [String], to new: JSONValue?) -> JSONValue {
        guard var o = v.objectValue else { return new ?? .null }
        let first = path[0]
        o[first] = path.count == 1 ? new : setting(o[first] ?? .null, at: Array(path.dropFirst()), to: new)
        return .object(o)
    }

    // MARK: - Fixtures: every field set, differently in a and b

    static let calibrationA = CalibrationOptions(umPerPx: 0.5, profile: "a.yaml", microscope: "axio", objective: "10x", scaleBarUm: 50)
    static let calibrationB = CalibrationOptions(umPerPx: 0.25, profile: "b.yaml", microscope: "zeiss", objective: "50x", scaleBarUm: 20)

    static func grainSize(_ a: Bool) -> MicroGrainSizeOptions {
        var o = MicroGrainSizeOptions()
        o.calibration = a ? calibrationA : calibrationB
        o.boundaries = a ? .detect : .map
        o.method = a ? [.planimetricCircle] : [.interceptLines, .interceptCircles]
        o.standard = a ? .astmE112 : .iso643
        o.fields = a ? "3x2" : "2x2"
        o.lathSize = a
        o.spec = a ? "G>=7" : "5<=G<=8"
        o.structure = a ? .auto : .equiaxed
        return o
    }

    static func grade(_ a: Bool) -> MicroGradeOptions {
        var o = MicroGradeOptions()
        o.model = a ? "a.safetensors" : "b.safetensors"
        o.explain = a ? .gradcam : nil
        o.grainSize = a
        o.standard = a ? .astmE112 : .iso643
        o.lathSize = a
        o.specimenPattern = a ? "^(s\\d+)" : "^(\\w+)-"
        o.specimenManifest = a ? "a.csv" : "b.csv"
        o.minConfidence = a ? 0.6 : 0.8
        o.minNeedleConfidence = a ? 0.5 : 0.4
        o.maxCropDisagreement = a ? 0.25 : 0.3
        o.maxFeatureDistance = a ? 2 : 3
        o.tta = a
        o.calibration = a ? calibrationA : calibrationB
        return o
    }

    static func synth(_ a: Bool) -> MicroSynthOptions {
        var o = MicroSynthOptions()
        o.specimens = a ? 20 : 8
        o.imagesPerSpecimen = a ? 4 : 2
        o.size = a ? "512x512" : "128x128"
        o.umPerPx = a ? 0.5 : 0.25
        o.types = a ? "martensite" : "lower-bainite"
        o.classes = a ? 5 : 4
        o.class1Um = a ? 2 : 3
        o.scaleBarUm = a ? 20 : 50
        o.scaleBarPolarity = a ? .light : .dark
        o.illumination = a ? 0.12 : 0.2
        o.blurUm = a ? 0.3 : 0.5
        o.noise = a ? 3 : 5
        o.seed = a ? 1 : 2
        o.layout = a ? .manifest : .folders
        o.style = a ? .reference : .otherLab
        return o
    }

    static func train(_ a: Bool) -> MicroTrainOptions {
        var o = MicroTrainOptions()
        o.epochs = a ? 12 : 2
        o.patch = a ? 64 : 32
        o.umPerPxModel = a ? 1 : 0.5
        o.patchesPerImage = a ? 16 : 4
        o.architecture = a ? "compact-cnn" : "resnet18"
        o.widths = a ? "16,32,64,128" : "8,16"
        o.weightedConv = a ? 0.25 : 0.5
        o.spp = a ? "1,2,4" : "1,2"
        o.learningRate = a ? 3e-3 : 1e-3
        o.labelSmoothing = a ? 0.1 : 0
        o.seed = a ? 1 : 7
        o.augmentation = a ? "lab" : "none"
        o.testFraction = a ? 0.25 : 0.3
        o.validationFraction = a ? 0.15 : 0.1
        o.patience = a ? 6 : 3
        o.calibration = a ? calibrationA : calibrationB
        return o
    }

    static func evaluate(_ a: Bool) -> MicroEvaluateOptions {
        var o = MicroEvaluateOptions()
        o.folds = a ? 4 : 0
        o.seeds = a ? "1" : "1,2,3"
        o.architecture = a ? "compact-cnn" : "resnet18"
        o.baseline = a ? "texture" : "none"
        o.epochs = a ? 12 : 2
        o.patch = a ? 64 : 32
        o.umPerPxModel = a ? 1 : 0.5
        o.patchesPerImage = a ? 16 : 4
        o.learningRate = a ? 3e-3 : 1e-3
        o.augmentation = a ? "lab" : "geometric"
        o.validationFraction = a ? 0.15 : 0
        o.patience = a ? 6 : 2
        o.calibration = a ? calibrationA : calibrationB
        return o
    }

    static func agreement(_ a: Bool) -> AgreementOptions {
        var o = AgreementOptions()
        o.modelColumn = a ? "model" : "net"
        o.labels = a ? ["type"] : ["type", "needle_class"]
        o.label = a ? "label" : "needle_class"
        o.ordinal = a ? ["grade"] : []
        o.nominal = a ? [] : ["type"]
        o.levels = a ? ["needle_class=N1,N2"] : ["grade=a,b,c"]
        return o
    }
}
