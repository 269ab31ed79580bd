// `reticle med adapt-concepts MODEL SITE_DATA --shots 4 --out MODEL2`: a concept bottleneck model
// adapted to a new site from a few labelled images per class, without training.
import ArgumentParser
import Foundation
import Medical
import Shared

struct MedAdaptConceptsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "adapt-concepts",
        abstract: "Adapt a concept bottleneck model to a new site from a few labelled images per class (no training).",
        discussion: """
        SITE_DATA is an image folder (class folders, or --labels CSV), resampled and normalised as \
        the model's training data was. --shots images per class are drawn (--seed); concepts whose class signal at \
        the site is gone or reversed are masked (fixed to their training mean), those whose signal is \
        weaker are amplified, each kept only if it improves the shots' likelihood. Accuracy before and \
        after is measured on the site's other images, printed, and recorded in MODEL2's manifest.
        """)

    @Argument(help: "Concept bottleneck model (med train --concepts).")
    var model: String

    @Argument(help: "Labelled images of the new site (folder).")
    var data: String

    @Option(help: "Adapted model file to write.")
    var out: String

    @Option(help: "Labelled site images per class used to adapt.")
    var shots = MedAdaptConceptsOptions().shots

    @Option(help: "Seed of the choice of shots.")
    var seed = MedAdaptConceptsOptions().seed

    @Option(help: "Labels CSV of the site folder (else its sub-folders name the classes).")
    var labels: String?

    @Flag(help: "Print the record as one JSON object.")
    var json = false

    var options: MedAdaptConceptsOptions {
        var o = MedAdaptConceptsOptions()
        o.model = model
        o.shots = shots
        o.seed = seed
        o.labels = labels
        return o
    }

    func validate() throws { try usage { try options.validate() } }

    func run() throws {
        do {
            let adaptation = try MedicalConceptAdaptation.run(dataPath: data, options: options)
            try adaptation.save(to: URL(fileURLWithPath: out))
            print(json ? JSONValue.object(adaptation.json).serialized(pretty: true) : "wrote \(out)\n" + adaptation.summary, terminator: json ? "\n" : "")
        } catch { throw fail(error) }
    }
}
