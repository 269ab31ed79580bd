// `reticle med slides ARCHIVE... --model M --out DIR`: tissue, tiles, tile classes and the
// slide's class per whole-slide image, with heatmaps, QuPath GeoJSON and tile CSVs.
import ArgumentParser
import Foundation
import Medical
import Shared

extension TissueDetector.Preset: ExpressibleByArgument {}
extension SlideAggregation: ExpressibleByArgument {}

struct MedSlidesCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "slides",
        abstract: "Classify whole-slide images tile by tile: tissue mask, tiles, slide class, heatmap, GeoJSON.",
        discussion: """
        Each slide's µm/px comes from its metadata, else its TIFF resolution, else its objective power \
        (flagged as an estimate), else --mpp; otherwise the slide is an error row. Tissue is found at \
        low resolution, tiles are cut at the model's µm/px and tile size and classified in batches. \
        A tile that cannot be decoded is skipped and counted (the slide is flagged corrupt-tiles). \
        Per slide: DIR/slides/<id>/tiles.csv, tiles.geojson (QuPath), thumbnail.png, tissue.png, heatmap.png. \
        With --mil the slide is also classified by gated attention MIL over the tiles' features; each tile's \
        attention weight goes into tiles.csv and the GeoJSON measurements, and attention.png shows it. \
        Label and macro images are never read.
        """)

    @Argument(help: "Slides: files, folders or @list files.")
    var inputs: [String]

    @Option(help: "Tile model (.safetensors from med train-tiles).")
    var model: String

    @Option(help: "µm/px of level 0 for slides that carry no scale (never overrides the slide's own).")
    var mpp: Double?

    @Option(help: "Tissue detection preset: biopsy or resection.")
    var tissuePreset = MedSlidesOptions().tissuePreset

    @Option(help: "Minimum tissue fraction of a tile.")
    var minTissue = MedSlidesOptions().minTissue

    @Option(help: "Attention-MIL model (.safetensors from med train-slides) trained on --model's features.")
    var mil: String?

    @Option(help: "Slide aggregation: mean, max or topk of tile probabilities, or attention (needs --mil).")
    var aggregation = MedSlidesOptions().aggregation

    @Option(help: "k of the top-k aggregation.")
    var topK = MedSlidesOptions().topK

    @Option(help: "Tiles per forward pass.")
    var batchSize = MedSlidesOptions().batchSize

    @Option(help: "Class the heatmap shows (default: the model's last class).")
    var heatmapClass: String?

    @OptionGroup var batch: BatchFlags

    var options: MedSlidesOptions {
        var o = MedSlidesOptions()
        o.model = model
        o.mpp = mpp
        o.mil = mil
        o.tissuePreset = tissuePreset
        o.minTissue = minTissue
        o.aggregation = aggregation
        o.topK = topK
        o.batchSize = batchSize
        o.heatmapClass = heatmapClass
        return o
    }

    func validate() throws { try usage { try options.validate() } }

    func run() throws {
        let options = self.options
        let job: SlideClassifier
        do {
            job = try options.classifier(outDir: batch.out.map { URL(fileURLWithPath: $0) },
                                         progress: .automatic(quiet: batch.quiet || batch.json))
        } catch {
            throw fail(error)
        }
        try batch.runBatch(inputs, label: "slides", options: options, work: { item in try job.classify(item) })
    }
}
