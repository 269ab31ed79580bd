// A private folder for inputs that parsers read by path: one file per extension, rewritten for
// every input, removed when the scratch goes away, so a long fuzz run leaves nothing behind.

import Foundation
import Shared

public final class FuzzScratch: @unchecked Sendable {
    public let folder: URL

    public init() throws {
        folder = FileManager.default.temporaryDirectory
            .appendingPathComponent("reticle-fuzz-\(ProcessInfo.processInfo.processIdentifier)-\(UInt32.random(in: 0...UInt32.max))")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
    }

    deinit { try? FileManager.default.removeItem(at: folder) }

    /// Writes `data` to `input.EXT` and returns its path. A DICOM-slide folder or an ENVI pair
    /// would need more files; every target here reads one.
    func write(_ data: Data, extension ext: String) throws -> String {
        let url = folder.appendingPathComponent("input.\(ext)")
        try data.write(to: url)
        return url.path
    }
}
