// Running the built `reticle` binary from end-to-end tests.

import Foundation

public struct ProcessResult {
    public let status: Int32
    public let stdout: String
    public let stderr: String
}

public enum ReticleProcess {
    /// The folder holding the test bundle also holds the `reticle` executable.
    public static let binary: URL = {
        let candidates = [Bundle.main.bundleURL, URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()]
            + Bundle.allBundles.map { $0.bundleURL.deletingLastPathComponent() }
        for dir in candidates {
            let url = dir.appendingPathComponent("reticle")
            if FileManager.default.isExecutableFile(atPath: url.path) { return url }
        }
        fatalError("reticle executable not found beside the test bundle (looked in \(candidates.map(\.path)))")
    }()

    /// Starts `reticle args...` without waiting.
    public static func start(_ args: [String], cwd: URL? = nil) throws -> (Process, Pipe, Pipe) {
        let p = Process()
        p.executableURL = binary
        p.arguments = args
        if let cwd { p.currentDirectoryURL = cwd }
        let out = Pipe(), err = Pipe()
        p.standardOutput = out
        p.standardError = err
        try p.run()
        return (p, out, err)
    }

    /// Runs `reticle args...` to completion.
    @discardableResult
    public static func run(_ args: [String], cwd: URL? = nil) throws -> ProcessResult {
        let (p, out, err) = try start(args, cwd: cwd)
        // Read before waiting: a full pipe would block the child.
        let o = out.fileHandleForReading.readDataToEndOfFile()
        let e = err.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        return ProcessResult(status: p.terminationStatus, stdout: String(decoding: o, as: UTF8.self),
                             stderr: String(decoding: e, as: UTF8.self))
    }
}
