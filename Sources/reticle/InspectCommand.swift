// `reticle inspect FILE|DIR...`: what each file is (format, size, calibration, metadata).
import ArgumentParser
import Foundation
import Medical
import Shared

struct InspectCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "inspect",
        abstract: "Show what files are: format, size, channels, bit depth, calibration, slide levels, DICOM attributes.",
        discussion: """
        Inputs are files, folders (recursive) or @list.txt files. Patient-identifying DICOM \
        attributes are left out unless --show-phi is given. Exit status 0 when every file was \
        read, 2 when some were not (their rows say why).
        """)

    @Argument(help: "Files, folders or @list files.")
    var inputs: [String]

    @Flag(name: .long, help: "Include patient-identifying DICOM attributes.")
    var showPhi = false

    @OptionGroup var batch: BatchFlags

    func run() throws {
        let registry = Inspectors.all
        let options = InspectOptions(showPHI: showPhi)
        let items: [InputItem]
        let batchOptions: BatchOptions
        do {
            items = try batch.collector().collect(inputs)
            batchOptions = try batch.options(settings: ["command": "inspect", "show_phi": .bool(showPhi),
                                                        "reticle": .string(ReticleVersion.string)])
        } catch {
            throw fail(error)
        }
        let (summary, records) = try BatchRunner(options: batchOptions).run(items, label: "inspect") { item in
            try registry.inspect(path: item.path, options: options)
        }
        BatchOutput.print(records, json: batch.json)
        if !batch.quiet && (batch.out != nil || items.count > 1) {
            FileHandle.standardError.write(Data("inspect: \(summary.description)\n".utf8))
        }
        if summary.exitCode != 0 { throw ExitCode(summary.exitCode) }
    }
}
