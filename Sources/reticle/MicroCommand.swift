// `reticle micro ...`: the steel-microstructure commands, one file per subcommand.
import ArgumentParser

struct MicroCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "micro",
        abstract: "Steel microstructure: calibration, generated micrographs, grain size, agreement, training, grading, cross-validation.",
        subcommands: [MicroCalibrateCommand.self, MicroSynthCommand.self, MicroGrainSizeCommand.self, MicroAgreementCommand.self,
                      MicroTrainCommand.self, MicroGradeCommand.self, MicroEvaluateCommand.self, MicroQuantizeCommand.self])
}
