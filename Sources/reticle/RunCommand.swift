// `reticle run PROTOCOL INPUT... --out DIR`: the command a protocol file pins, with its options.
import ArgumentParser
import Foundation
import Medical
import Microstructure
import Remote
import Shared
import YAMLFiles

struct RunCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run",
        abstract: "Run a lab procedure pinned in a protocol file (YAML) on the inputs.",
        discussion: """
        The protocol names a command and its options; its option keys are the fields of that \
        command's options value, which are also its flags (without --), and an unknown key is an \
        error. Running it equals running that command with the same flags, and every result \
        records the protocol's SHA-256. Run options (--out, \
        --shard, --force, --append, --retry-crashed, --threads, --json, --quiet, --include, --exclude, --no-recursive, --all-files) come \
        from the command line. Example:

          protocol: steel-grain-size
          command: micro grainsize
          options: {scale-bar-um: 50, standard: astm-e112, method: [planimetric-circle]}
        """)

    @Argument(help: "The protocol file (YAML).")
    var protocolFile: String

    @Argument(help: "Files, folders or @list files.")
    var inputs: [String] = []

    @Option(help: "Output folder.") var out: String?
    @Option(help: "Process only shard K of N.") var shard: String?
    @Flag(help: "Redo items whose results exist; replace a folder's items of other settings.") var force = false
    @Flag(help: "Keep a folder's items of other settings; tag this run's rows.") var append = false
    @Flag(help: "Try again items that took an earlier run down.") var retryCrashed = false
    @Option(help: "Items processed at once.") var threads: Int?
    @Flag(help: "Machine-readable JSON on stdout.") var json = false
    @Flag(help: "No progress output.") var quiet = false
    @Option(help: "Only files matching this glob (repeatable).") var include: [String] = []
    @Option(help: "Skip files matching this glob (repeatable).") var exclude: [String] = []
    @Flag(help: "Do not descend into sub-folders.") var noRecursive = false
    @Flag(help: "Take every file in folders and lists, not only known formats.") var allFiles = false

    func run() throws {
        let lab: LabProtocol
        do {
            let (document, bytes) = try YAMLDocument.load(protocolFile, what: "protocol")
            lab = try LabProtocol(document: document, file: protocolFile, bytes: bytes)
        } catch {
            throw fail(error)
        }
        guard !lab.command.contains("run") else { throw fail(ReticleError(.usage, file: protocolFile, "a protocol cannot run another protocol")) }
        if let type = CommandOptionTypes.type(of: lab.command) {
            do { try lab.validate(against: type) } catch { throw fail(error) }
        }
        var args: [String]
        do { args = try lab.arguments() + inputs } catch { throw fail(error) }
        if let out { args += ["--out", out] }
        if let shard { args += ["--shard", shard] }
        if let threads { args += ["--threads", String(threads)] }
        if force { args.append("--force") }
        if append { args.append("--append") }
        if retryCrashed { args.append("--retry-crashed") }
        if json { args.append("--json") }
        if quiet { args.append("--quiet") }
        for g in include { args += ["--include", g] }
        for g in exclude { args += ["--exclude", g] }
        if noRecursive { args.append("--no-recursive") }
        if allFiles { args.append("--all-files") }
        args += ["--protocol-sha256", lab.sha256]
        var command: ParsableCommand
        do {
            command = try Reticle.parseAsRoot(args)
        } catch {
            throw fail(ReticleError(.usage, file: protocolFile, "does not describe a valid '\(lab.command.joined(separator: " "))' run: \(Reticle.message(for: error))"))
        }
        try command.run()
    }
}

/// Every command's options type, so a protocol's keys can be checked against its command.
enum CommandOptionTypes {
    static let all: [any CommandOptions.Type] = [
        InspectOptions.self, MicroCalibrateOptions.self, MicroGrainSizeOptions.self, MicroGradeOptions.self,
        MicroSynthOptions.self, MicroTrainOptions.self, MicroEvaluateOptions.self, AgreementOptions.self,
        RemoteSynthOptions.self, RemoteTrainOptions.self, RemoteClassifyOptions.self,
        MedSlidesOptions.self, MedTrainTilesOptions.self, MedTrainSlidesOptions.self, MedTrainOptions.self, MedEvaluateOptions.self, MedClassifyOptions.self, ModelEnsembleOptions.self,
        MedAdaptConceptsOptions.self, QuantizeOptions.self,
    ]

    static func type(of command: [String]) -> (any CommandOptions.Type)? {
        all.first { $0.command == command.joined(separator: " ") }
    }
}
