// Reliability of YAML protocols and instrument profiles: alias bombs, deep nesting and very
// long flat files end (no alias expansion, no recursion without bound, a linear conversion); the limits are errors naming the file.

import Foundation
@testable import reticle
import YAMLFiles
import Shared
import TestSupport
import XCTest

final class YAMLDocumentTests: XCTestCase {
    private var dir: URL!
    override func setUp() { dir = makeTemporaryDirectory("yaml-reliability") }
    override func tearDown() { try? FileManager.default.removeItem(at: dir) }

    private func write(_ text: String, _ name: String) throws -> String {
        let path = dir.appendingPathComponent(name).path
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    private func assertUsageError(_ path: String, containing part: String, line: UInt = #line) {
        do {
            _ = try YAMLDocument.load(path, what: "protocol")
            XCTFail("expected an error for \(path)", line: line)
        } catch let e as ReticleError {
            XCTAssertEqual(e.kind, .usage, line: line)
            XCTAssertTrue(e.description.contains(URL(fileURLWithPath: path).lastPathComponent), "\(e)", line: line)
            XCTAssertTrue(e.description.contains(part), "\(e)", line: line)
        } catch {
            XCTFail("not a ReticleError: \(error)", line: line)
        }
    }

    /// Nine levels of ten aliases each: a few hundred bytes standing for 10^9 values.
    func testBillionLaughsIsRefusedBeforeExpanding() throws {
        var text = "l0: &l0 [lol, lol, lol, lol, lol, lol, lol, lol, lol, lol]\n"
        for level in 1...8 {
            text += "l\(level): &l\(level) [" + Array(repeating: "*l\(level - 1)", count: 10).joined(separator: ", ") + "]\n"
        }
        XCTAssertLessThan(text.utf8.count, 1000)
        let path = try write(text, "laughs.yaml")
        assertUsageError(path, containing: "more than \(YAMLDocument.maxNodes) values")
        // A few aliases within the budget still expand.
        let small = try write("a: &a [1, 2]\nb: *a\n", "alias.yaml")
        XCTAssertEqual(try YAMLDocument.load(small, what: "protocol").document["b"], [1, 2])
    }

    func testDeepNestingIsRefusedBeforeYamsRecurses() throws {
        let flow = try write("a: " + String(repeating: "[", count: 100_000) + String(repeating: "]", count: 100_000) + "\n", "flow.yaml")
        assertUsageError(flow, containing: "nested deeper than \(YAMLDocument.maxDepth)")
        var block = ""
        for i in 0..<(YAMLDocument.maxDepth + 10) { block += String(repeating: " ", count: i) + "a:\n" }
        block += String(repeating: " ", count: YAMLDocument.maxDepth + 10) + "1\n"
        assertUsageError(try write(block, "block.yaml"), containing: "nested deeper than \(YAMLDocument.maxDepth)")
        // Brackets inside quotes and comments are not nesting.
        let quoted = try write("a: \"" + String(repeating: "[", count: 1000) + "\" # " + String(repeating: "{", count: 1000) + "\n", "quoted.yaml")
        XCTAssertEqual(try YAMLDocument.load(quoted, what: "protocol").document["a"]?.stringValue?.count, 1000)
    }

    /// 200k list items and 100k keys convert (a quadratic conversion would stall the suite here).
    func testLargeFlatFilesConvert() throws {
        let list = try write("items:\n" + (0..<200_000).map { "  - \($0)\n" }.joined(), "list.yaml")
        let map = try write((0..<100_000).map { "opt\($0): \($0)\n" }.joined(), "map.yaml")
        XCTAssertEqual(try YAMLDocument.load(list, what: "protocol").document["items"]?.arrayValue?.count, 200_000)
        XCTAssertEqual(try YAMLDocument.load(map, what: "protocol").document.objectValue?.count, 100_000)
    }

    /// A protocol list becomes repeated flags, which the argument parser handles in quadratic time:
    /// a 200k-item list is refused before it gets there.
    func testHugeProtocolListIsRefused() throws {
        let text = "protocol: x\ncommand: micro grainsize\noptions:\n  method:\n"
            + String(repeating: "    - planimetric-circle\n", count: 200_000)
        let path = try write(text, "proto.yaml")
        let (doc, bytes) = try YAMLDocument.load(path, what: "protocol")
        let lab = try LabProtocol(document: doc, file: path, bytes: bytes)
        XCTAssertThrowsError(try lab.arguments()) { e in
            XCTAssertTrue("\(e)".contains("at most \(LabProtocol.maxListItems)"), "\(e)")
            XCTAssertTrue("\(e)".contains("proto.yaml"), "\(e)")
        }
    }
}
