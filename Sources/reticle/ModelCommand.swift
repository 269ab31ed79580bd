// `reticle model ...`: model files (safetensors with a JSON manifest).
import ArgumentParser
import Foundation
import Shared

struct ModelCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "model",
        abstract: "Model files: inspect the manifest and weights.",
        subcommands: [ModelInspectCommand.self])
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
