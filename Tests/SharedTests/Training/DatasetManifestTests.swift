// Dataset manifests: folder-per-class and CSV (quoting, groups, class order, errors).

import XCTest
import Foundation
@testable import Shared
import TestSupport

final class DatasetManifestTests: XCTestCase {
    func testFolderPerClass() throws {
        let dir = makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        for (cls, files) in [("bainite", ["b1.png", "b2.TIF", "notes.txt"]), ("martensite", ["m1.png", ".hidden.png"])] {
            let sub = dir.appendingPathComponent(cls)
            try FileManager.default.createDirectory(at: sub, withIntermediateDirectories: true)
            for f in files { _ = FileManager.default.createFile(atPath: sub.appendingPathComponent(f).path, contents: Data()) }
        }
        let m = try DatasetManifest.folderPerClass(dir, extensions: ["png", "tif"])
        XCTAssertEqual(m.classes, [["bainite", "martensite"]])
        XCTAssertEqual(m.entries.map { ($0.path as NSString).lastPathComponent }, ["b1.png", "b2.TIF", "m1.png"])
        XCTAssertEqual(m.entries.map(\.labels), [[0], [0], [1]])
        let samples = FileSamples(m) { _ in Tensor(shape: [1, 2, 2]) }
        XCTAssertEqual(try samples.sample(2).labels, [1])
    }

    func testCSVWithQuotesGroupsAndClassOrder() throws {
        let dir = makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let csv = dir.appendingPathComponent("m.csv")
        try "path,type,length,specimen\r\n\"a, 1.png\",martensite,3,S1\r\nb.png,\"bainite \"\"upper\"\"\",1,S1\n/abs/c.png,martensite,2,S2\n"
            .write(to: csv, atomically: true, encoding: .utf8)
        let m = try DatasetManifest.csv(csv, labelColumns: ["type", "length"], groupColumn: "specimen",
                                        classOrder: ["length": ["1", "2", "3", "4"]])
        XCTAssertEqual(m.heads, ["type", "length"])
        XCTAssertEqual(m.classes[0], ["bainite \"upper\"", "martensite"])
        XCTAssertEqual(m.classes[1], ["1", "2", "3", "4"])
        XCTAssertEqual(m.entries.map(\.labels), [[1, 2], [0, 0], [1, 1]])
        XCTAssertEqual(m.entries.map(\.group), ["S1", "S1", "S2"])
        XCTAssertEqual(m.entries[0].path, dir.appendingPathComponent("a, 1.png").path)
        XCTAssertEqual(m.entries[2].path, "/abs/c.png")

        XCTAssertThrowsError(try DatasetManifest.csv(csv, labelColumns: ["grade"]))
        XCTAssertThrowsError(try DatasetManifest.csv(csv, labelColumns: ["length"], classOrder: ["length": ["1", "2"]]))
        try "path,type\na.png\n".write(to: csv, atomically: true, encoding: .utf8)
        XCTAssertThrowsError(try DatasetManifest.csv(csv, labelColumns: ["type"])) { XCTAssertEqual(($0 as? ReticleError)?.kind, .corrupt) }
    }
}
