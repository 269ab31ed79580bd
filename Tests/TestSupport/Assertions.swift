// Numeric assertions with readable diffs (after llm.c's check_tensor).

import Foundation
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

/// A deterministic generator for fixtures (SplitMix64), independent of the platform's RNG.
public struct SeededRandom: RandomNumberGenerator {
    private var state: UInt64
    public init(seed: UInt64) { state = seed }
    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

/// A fresh empty folder under the system temp dir, removed by the caller (or left for inspection on failure).
public func makeTemporaryDirectory(_ prefix: String = "reticle-test") -> URL {
    let url = FileManager.default.temporaryDirectory.appendingPathComponent("\(prefix)-\(UUID().uuidString)")
    try! FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    return url
}
