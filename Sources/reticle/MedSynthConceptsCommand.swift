// `reticle med synth-concepts OUT`: a generated concept-bottleneck task (images, labels.csv,
// concepts.csv) with a planted confounding concept, at the training site or the shifted one.
import ArgumentParser
import Foundation
import Medical
import Shared

extension SyntheticConceptTask.Site: ExpressibleByArgument {}

struct MedSynthConceptsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "synth-concepts",
        abstract: "Write a generated concept task: 16×16 images, labels.csv and concepts.csv (disc, stripes, square, marker).",
        discussion: """
        The class is lesion when the disc and the stripes are both present (10 % of labels flipped). \
        The marker follows the label at the training site and the other class at the shifted site, \
        where the stripes are also fainter. Same settings, same bytes.
        """)

    @Argument(help: "Folder to write.")
    var out: String

    @Option(help: "Images.")
    var count = 400

    @Option(help: "Site: training or shifted.")
    var site = SyntheticConceptTask.Site.training

    @Option(help: "Seed.")
    var seed: UInt64 = 1

    func validate() throws { guard (4...100_000).contains(count) else { throw ValidationError("--count must be 4–100000") } }

    func run() throws {
        var task = SyntheticConceptTask()
        task.count = count
        task.site = site
        task.seed = seed
        do {
            let lesions = try task.write(to: out)
            print("wrote \(out): \(count) images (\(lesions) lesion), labels.csv, concepts.csv, \(site.rawValue) site")
        } catch { throw fail(error) }
    }
}
