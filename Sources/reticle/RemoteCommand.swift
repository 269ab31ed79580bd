// `reticle remote ...`: hyperspectral + LiDAR land-cover mapping, one file per subcommand.
import ArgumentParser

struct RemoteCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "remote",
        abstract: "Remote sensing: HSI + LiDAR fusion land-cover mapping (generate, train, classify).",
        subcommands: [RemoteSynthCommand.self, RemoteTrainCommand.self, RemoteClassifyCommand.self])
}
