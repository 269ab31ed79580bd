// `reticle med ...`: the medical commands, one file per subcommand.
import ArgumentParser

struct MedCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "med",
        abstract: "Medical images: image-set and DICOM classification, whole-slide tile classification and training.",
        subcommands: [MedTrainCommand.self, MedEvaluateCommand.self, MedClassifyCommand.self, MedAdaptConceptsCommand.self, MedSynthConceptsCommand.self, MedSlidesCommand.self, MedTrainTilesCommand.self, MedTrainSlidesCommand.self, MedSlidesHeatmapCommand.self, MedSlidesSynthCommand.self])
}
