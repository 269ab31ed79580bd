// The `reticle` command: thin subcommands over the Shared and domain modules.
import ArgumentParser
import Foundation
import Shared

@main
struct Reticle: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "reticle",
        abstract: "Objective, reproducible image grading on an ordinary CPU.",
        discussion: "Exit status: 0 all items succeeded, 1 usage or setup error (nothing processed), 2 some items failed.",
        version: ReticleVersion.string,
        subcommands: [InspectCommand.self, MicroCommand.self, MedCommand.self, RemoteCommand.self, ModelCommand.self, RunCommand.self, MergeCommand.self,
                      BenchCommand.self])

    /// Usage errors exit with 1 (DESIGN.md), not argument-parser's 64.
    static func main() {
        CPURequirement.check()  // before any kernel: a clear message rather than SIGILL
        do {
            var command = try parseAsRoot()
            try command.run()
        } catch {
            if exitCode(for: error) == .validationFailure {
                FileHandle.standardError.write(Data((fullMessage(for: error) + "\n").utf8))
                Foundation.exit(1)
            }
            exit(withError: error)
        }
    }
}
