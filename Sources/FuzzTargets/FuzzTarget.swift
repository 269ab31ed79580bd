// One parser the project owns, or one C library entry point it calls, as a function of bytes.
// libFuzzer (`reticle-fuzz` built with `make fuzz`) calls `run` millions of times; the replay mode
// and the tests call it on the committed seeds and on every input that once crashed. A thrown
// error is the expected answer to a bad input; only a crash, a hang or an unbounded allocation
// is a finding.

import Foundation
import Shared

public struct FuzzTarget: Sendable {
    /// Short name, the folder of its seeds under `fixtures/fuzz/` and `RETICLE_FUZZ_TARGET`'s value.
    public let name: String
    /// What it exercises, for `reticle-fuzz list` and the README.
    public let summary: String
    /// File name extension the input is written with when the parser reads paths (C libraries,
    /// format detection by extension); nil for parsers that take bytes.
    public let fileExtension: String?
    /// Other folders of the repository (relative to its root) whose files are seeds too.
    public let seedFolders: [String]
    let body: @Sendable (FuzzInput) throws -> Void

    init(_ name: String, _ summary: String, fileExtension: String? = nil, seedFolders: [String] = [],
         _ body: @escaping @Sendable (FuzzInput) throws -> Void) {
        self.name = name; self.summary = summary; self.fileExtension = fileExtension
        self.seedFolders = seedFolders; self.body = body
    }

    /// Feeds `data` to the parser. Returns the error it threw (a clean refusal), nil when it accepted.
    @discardableResult
    public func run(_ data: Data, scratch: FuzzScratch) -> Error? {
        do {
            try body(FuzzInput(data: data, scratch: scratch, fileExtension: fileExtension))
            return nil
        } catch {
            return error
        }
    }

    public static func named(_ name: String) -> FuzzTarget? { all.first { $0.name == name } }
}

/// What a target's body gets: the bytes, and a path holding them for parsers that read files.
struct FuzzInput {
    let data: Data
    let scratch: FuzzScratch
    let fileExtension: String?

    var text: String { String(decoding: data, as: UTF8.self) }

    /// The bytes written to this process's scratch file (same path every call: no litter).
    func path() throws -> String {
        try scratch.write(data, extension: fileExtension ?? "bin")
    }
}
