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

    var options: InspectOptions { InspectOptions(showPhi: showPhi) }

    func run() throws {
        let registry = Inspectors.all
        let options = self.options
        try batch.runBatch(inputs, label: "inspect", options: options) { item in
            try registry.inspect(path: item.path, options: options)
        }
    }
}
