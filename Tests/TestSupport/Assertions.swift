// Numeric assertions with readable diffs (after llm.c's check_tensor).

import Foundation
import Shared
import XCTest

/// Asserts |a−b| ≤ atol + rtol·|b| elementwise; on failure prints the first mismatches and the max difference.
public func assertClose(_ a: [Float], _ b: [Float], rtol: Float = 1e-5, atol: Float = 1e-6,
                        _ message: String = "", file: StaticString = #filePath, line: UInt = #line) {
    guard a.count == b.count else {
        XCTFail("count \(a.count) ≠ \(b.count) \(message)", file: file, line: line)
        return
    }
    var maxDiff: Float = 0
    var bad: [String] = []
    for i in 0..<a.count {
        let d = abs(a[i] - b[i])
        maxDiff = max(maxDiff, d.isNaN ? .infinity : d)
        if !(d <= atol + rtol * abs(b[i])) && bad.count < 5 { bad.append("[\(i)] \(a[i]) vs \(b[i])") }
    }
    if !bad.isEmpty {
        XCTFail("not close (max |diff| \(maxDiff)): \(bad.joined(separator: ", ")) \(message)", file: file, line: line)
    }
}

/// The library's seeded generator, under the name tests use.
public typealias SeededRandom = SplitMix64

/// A fresh empty folder under the system temp dir, removed by the caller (or left for inspection on failure).
public func makeTemporaryDirectory(_ prefix: String = "reticle-test") -> URL {
    let url = FileManager.default.temporaryDirectory.appendingPathComponent("\(prefix)-\(UUID().uuidString)")
    try! FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    return url
}

/// id → file of every row of an output folder's results.csv, failing on an id that appears twice.
public func csvFilesByID(_ out: URL) throws -> [String: String] {
    let text = try String(contentsOf: out.appendingPathComponent("results.csv"), encoding: .utf8)
    var byID: [String: String] = [:]
    for line in text.split(separator: "\n").dropFirst() {
        let cells = line.split(separator: ",", omittingEmptySubsequences: false).map(String.init)
        XCTAssertNil(byID[cells[0]], "row \(cells[0]) twice")
        byID[cells[0]] = cells[1]
    }
    return byID
}

/// A batch command's `--json` rows by their `file` field.
public func rowsByFile(_ stdout: String) throws -> [String: JSONValue] {
    let rows = try XCTUnwrap(JSONValue.parse(stdout).arrayValue, stdout)
    return Dictionary(uniqueKeysWithValues: rows.map { ($0["file"]?.stringValue ?? "", $0) })
}
