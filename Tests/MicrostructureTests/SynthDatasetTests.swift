// The dataset writer: balanced specimens, calibrated TIFFs in either layout, manifest.csv,
// truth.jsonl and dataset.json, the same bytes for the same settings (any thread count),
// and no silent overwrite of an existing dataset.

import Foundation
import Microstructure
import Shared
import TestSupport
import XCTest

final class SynthDatasetTests: XCTestCase {
    var dir: URL!

    override func setUp() { dir = makeTemporaryDirectory("reticle-synth") }
    override func tearDown() { try? FileManager.default.removeItem(at: dir) }

    func small(seed: UInt64 = 1, layout: SyntheticDataset.Layout = .manifest) -> SyntheticDataset {
        SyntheticDataset(specimens: 4, imagesPerSpecimen: 2, width: 64, height: 48, umPerPixel: 0.5,
                         types: [.martensite, .equiaxed], synthesizer: MicrographSynthesizer(scale: NeedleLengthScale(classCount: 2)),
                         seed: seed, layout: layout)
    }

    func testPlanIsBalancedOverTypesAndClasses() {
        var d = SyntheticDataset(specimens: 20, types: MicrostructureType.defaultDatasetTypes)
        var cells: [String: Int] = [:]
        for s in d.plan() { cells["\(s.type.rawValue)/\(s.needleClass)", default: 0] += 1 }
        XCTAssertEqual(cells.count, 20)
        XCTAssertTrue(cells.values.allSatisfy { $0 == 1 }, "\(cells)")
        d.specimens = 7
        let types = Dictionary(grouping: d.plan(), by: \.type).mapValues(\.count)
        XCTAssertEqual(types.values.max()! - types.values.min()!, 1, "\(types)")
        XCTAssertEqual(Set(d.plan().map(\.id)).count, 7)
    }

    func testWritesImagesManifestAndTruth() throws {
        let truths = try small().write(to: dir, threads: 2)
        XCTAssertEqual(truths.count, 8)
        let manifest = try String(contentsOf: dir.appendingPathComponent("manifest.csv"), encoding: .utf8)
        let lines = manifest.split(separator: "\n").map(String.init)
        XCTAssertEqual(lines.first, "image,specimen,type,needle_class,um_per_px,needle_length_um")
        XCTAssertEqual(lines.count, 9)
        let rows = lines.dropFirst().map { $0.split(separator: ",", omittingEmptySubsequences: false).map(String.init) }
        XCTAssertEqual(rows[0], ["images/s0001-01.tif", "s0001", "martensite", "1", "0.5", String(format: "%.3f", truths[0].meanNeedleLengthUM!)])
        XCTAssertEqual(rows.map { $0[1] }, ["s0001", "s0001", "s0002", "s0002", "s0003", "s0003", "s0004", "s0004"])
        XCTAssertEqual(rows.map { $0[2] }, ["martensite", "martensite", "equiaxed", "equiaxed", "martensite", "martensite", "equiaxed", "equiaxed"])
        XCTAssertEqual(rows.map { $0[3] }, ["1", "1", "", "", "2", "2", "", ""], "equiaxed images have no needle class")
        for (row, truth) in zip(rows, truths) {
            let image = try ImageFile.read(path: dir.appendingPathComponent(row[0]).path)
            XCTAssertEqual(image.width, 64)
            XCTAssertEqual(image.height, 48)
            XCTAssertEqual(image.sampleType, .uint8)
            XCTAssertEqual(image.calibration?.umPerPixel ?? 0, 0.5, accuracy: 1e-6)
            XCTAssertEqual(image.calibration?.source, .tiffResolution)
            if truth.type == .martensite {
                let length = try XCTUnwrap(Double(row[5]))
                XCTAssertTrue(NeedleLengthScale(classCount: 2).range(ofClass: Int(row[3])!).contains(length), "\(row)")
            } else {
                XCTAssertEqual(row[5], "")
            }
        }
        let truthLines = try String(contentsOf: dir.appendingPathComponent("truth.jsonl"), encoding: .utf8).split(separator: "\n")
        XCTAssertEqual(truthLines.count, 8)
        let first = try JSONValue.parse(String(truthLines[0]))
        XCTAssertEqual(first["image"], "images/s0001-01.tif")
        XCTAssertEqual(first["grain_size"]?["kind"], "prior-austenite")
        XCTAssertNotNil(first["grain_size"]?["astm_e112_g"]?.doubleValue)
        let description = try JSONValue.parse(Data(contentsOf: dir.appendingPathComponent("dataset.json")))
        XCTAssertEqual(description["needle_scale"]?["classes"]?.arrayValue?.count, 2)
        XCTAssertEqual(description["seed"], "1")
    }

    func testSameSettingsWriteTheSameBytesWhateverTheThreads() throws {
        let other = makeTemporaryDirectory("reticle-synth")
        defer { try? FileManager.default.removeItem(at: other) }
        try small().write(to: dir, threads: 1)
        try small().write(to: other, threads: 3)
        let files = try allFiles(dir)
        XCTAssertEqual(files.count, 11, "\(files)")
        XCTAssertEqual(files, try allFiles(other))
        for f in files {
            XCTAssertEqual(try Data(contentsOf: dir.appendingPathComponent(f)), try Data(contentsOf: other.appendingPathComponent(f)), f)
        }
        let reseeded = makeTemporaryDirectory("reticle-synth")
        defer { try? FileManager.default.removeItem(at: reseeded) }
        try small(seed: 2).write(to: reseeded)
        XCTAssertNotEqual(try Data(contentsOf: dir.appendingPathComponent("images/s0001-01.tif")),
                          try Data(contentsOf: reseeded.appendingPathComponent("images/s0001-01.tif")))
    }

    func testFolderLayoutAndRefusalToOverwrite() throws {
        try small(layout: .folders).write(to: dir)
        XCTAssertTrue(FileManager.default.fileExists(atPath: dir.appendingPathComponent("martensite/s0003-02.tif").path))
        XCTAssertTrue(FileManager.default.fileExists(atPath: dir.appendingPathComponent("equiaxed/s0004-01.tif").path))
        let manifest = try String(contentsOf: dir.appendingPathComponent("manifest.csv"), encoding: .utf8)
        XCTAssertTrue(manifest.contains("\nequiaxed/s0002-01.tif,s0002,equiaxed,,0.5,\n"), manifest)

        XCTAssertThrowsError(try small().write(to: dir)) { e in
            XCTAssertEqual((e as? ReticleError)?.kind, .usage)
            XCTAssertTrue("\(e)".contains("--force"), "\(e)")
        }
        try small().write(to: dir, force: true)
        XCTAssertFalse(FileManager.default.fileExists(atPath: dir.appendingPathComponent("martensite").path), "old layout removed")
        XCTAssertTrue(FileManager.default.fileExists(atPath: dir.appendingPathComponent("images/s0004-02.tif").path))
    }

    func testSettingsThatCannotWorkFailBeforeWriting() {
        var d = small()
        d.umPerPixel = 2  // class 1 needles (2 µm) would be one pixel
        XCTAssertThrowsError(try d.write(to: dir)) { XCTAssertTrue("\($0)".contains("finer scale"), "\($0)") }
        d = small()
        d.synthesizer.scaleBar = BurnedInScaleBar(lengthUM: 50)  // 100 px on a 64 px image
        XCTAssertThrowsError(try d.write(to: dir))
        d = small()
        d.specimens = 0
        XCTAssertThrowsError(try d.write(to: dir))
        XCTAssertEqual(try allFiles(dir), [])
    }

    func allFiles(_ root: URL) throws -> [String] {
        let e = FileManager.default.enumerator(atPath: root.path)
        var out: [String] = []
        while let p = e?.nextObject() as? String {
            var isDir: ObjCBool = false
            if FileManager.default.fileExists(atPath: root.appendingPathComponent(p).path, isDirectory: &isDir), !isDir.boolValue { out.append(p) }
        }
        return out.sorted()
    }
}
