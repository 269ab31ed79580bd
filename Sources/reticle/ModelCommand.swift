// `reticle model ...`: model files (safetensors with a JSON manifest).
import ArgumentParser
import Foundation
import Medical
import Shared

struct ModelCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "model",
        abstract: "Model files: inspect the manifest and weights; combine classifiers into an ensemble; quantise to int8.",
        subcommands: [ModelInspectCommand.self, ModelEnsembleCommand.self, ModelQuantizeCommand.self])
}

struct ModelInspectCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "inspect",
        abstract: "Print a model file's manifest (architecture, classes, preprocessing, provenance) and parameter count.")

    @Argument(help: "A .safetensors model file.")
    var file: String

    @Flag(name: .long, help: "Machine-readable JSON on stdout.")
    var json = false

    func run() throws {
        let report: JSONValue
        do {
            report = try ModelFile.inspect(URL(fileURLWithPath: file))
        } catch {
            throw fail(error)
        }
        if json {
            print(report.serialized(pretty: true))
        } else if let o = report.objectValue {
            print(PlainText.render(o), terminator: "")
        }
    }
}

extension ModelEnsemble.Aggregation: ExpressibleByArgument {}

struct ModelEnsembleCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ensemble",
        abstract: "Combine trained classifiers into one ensemble model file.",
        discussion: """
        The members must share heads, classes and input preprocessing. --aggregation mean averages \
        their probabilities, vote takes the majority call (ties by mean probability), nested averages \
        within each --groups group and then over groups. Predictions carry the members' disagreement \
        and the predictive entropy. --calibrate-on DATA fits a temperature on DATA's validation split.
        """)

    @Argument(help: "Member model files (.safetensors).")
    var members: [String]

    @Option(help: "Ensemble model file to write.")
    var out: String

    @Option(help: "Aggregation: mean, vote or nested.")
    var aggregation = ModelEnsembleOptions().aggregation

    @Option(help: "Group number per member, comma-separated (nested aggregation).")
    var groups: String?

    @Option(help: "Data set whose validation split fits the ensemble's temperature.")
    var calibrateOn: String?

    @Option(help: "Labels CSV for folder data.")
    var labels: String?

    var options: ModelEnsembleOptions {
        var o = ModelEnsembleOptions()
        o.aggregation = aggregation
        o.groups = groups
        o.calibrateOn = calibrateOn
        o.labels = labels
        return o
    }

    func validate() throws { try usage { try options.validate() } }

    func run() throws {
        do {
            let model = try options.build(members: members, out: URL(fileURLWithPath: out))
            print("wrote \(out): \(model.members.count) members, \(model.aggregation.rawValue) aggregation, temperature \(model.temperatures.map { String(format: "%.3f", $0) }.joined(separator: ","))")
        } catch { throw fail(error) }
    }
}
