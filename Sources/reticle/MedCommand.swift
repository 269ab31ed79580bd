// `reticle med ...`: the medical commands, one file per subcommand.
import ArgumentParser

struct MedCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "med",
        abstract: "Medical images: whole-slide tile classification and training.",
        subcommands: [MedSlidesCommand.self, MedTrainTilesCommand.self, MedSlidesHeatmapCommand.self, MedSlidesSynthCommand.self])
}
