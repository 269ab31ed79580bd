// Running the built `reticle` binary (or any program) from end-to-end tests.

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

    /// Starts `reticle args...` (or `executable args...`) without waiting.
    /// `environment` adds to (or replaces entries of) this process's environment.
    public static func start(_ args: [String], cwd: URL? = nil, executable: URL? = nil,
                             environment: [String: String] = [:]) throws -> (Process, Pipe, Pipe) {
        let p = Process()
        if !environment.isEmpty {
            p.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
        }
        p.executableURL = executable ?? binary
        p.arguments = args
        if let cwd { p.currentDirectoryURL = cwd }
        let out = Pipe(), err = Pipe()
        p.standardOutput = out
        p.standardError = err
        try p.run()
        return (p, out, err)
    }

    /// Runs `reticle args...` (or `executable args...`) to completion.
    @discardableResult
    public static func run(_ args: [String], cwd: URL? = nil, executable: URL? = nil,
                           environment: [String: String] = [:]) throws -> ProcessResult {
        let (p, out, err) = try start(args, cwd: cwd, executable: executable, environment: environment)
        // Both pipes are drained at once, stderr on its own thread: reading one to its end while
        // the child blocks on a full other pipe would deadlock.
        final class Box: @unchecked Sendable { var data = Data() }
        let e = Box()
        let stderrDone = DispatchSemaphore(value: 0)
        let errHandle = err.fileHandleForReading
        Thread.detachNewThread {
            e.data = errHandle.readDataToEndOfFile()
            stderrDone.signal()
        }
        let o = out.fileHandleForReading.readDataToEndOfFile()
        stderrDone.wait()
        p.waitUntilExit()
        return ProcessResult(status: p.terminationStatus, stdout: String(decoding: o, as: UTF8.self),
                             stderr: String(decoding: e.data, as: UTF8.self))
    }
}
