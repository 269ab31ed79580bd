// The `reticle` command: thin subcommands over the Shared and domain modules.
import ArgumentParser
import Shared

@main
struct Reticle: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "reticle",
        abstract: "Objective, reproducible image grading on an ordinary CPU.",
        version: ReticleVersion.string,
        subcommands: [InspectCommand.self, MergeCommand.self])
}
