// `reticle med train-tiles DATA --out MODEL`: a tile classifier from class folders of tile
// images or a CSV of labelled regions on slides, for `med slides`.
import ArgumentParser
import Foundation
import Medical
import Shared

extension StainNormalizer.Method: ExpressibleByArgument {}
extension TileDataset.RegionRule: ExpressibleByArgument {}

struct MedTrainTilesCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "train-tiles",
        abstract: "Train a slide tile classifier from class folders or labelled slide regions.",
        discussion: """
        DATA is a folder with one sub-folder of tile images per class, or a CSV with the header \
        slide,x,y,width,height,label (level-0 pixels; slide paths relative to the CSV), whose regions \
        are cut into tiles at --um-per-px, or a CSV with the header slide,geojson naming a QuPath GeoJSON \
        export per slide (Polygon/MultiPolygon annotations with classification.name, level-0 pixels; an \
        empty geojson field means the .geojson beside the slide): tiles whose centre (--region-rule centre) \
        or half the area (area) lies inside a polygon get its class. The stain normaliser (--stain reinhard|macenko, fitted on \
        --stain-reference) is stored in the model and applied again by med slides. Writes MODEL and \
        MODEL's stem + .log.jsonl.
        """)

    @Argument(help: "Class folders, a regions CSV, or a slide,geojson CSV.")
    var data: String

    @Option(help: "Model file to write (.safetensors).")
    var out: String

    @Option(help: "Training epochs.")
    var epochs = MedTrainTilesOptions().epochs

    @Option(help: "Tile side in pixels at the model's scale.")
    var tileSize = MedTrainTilesOptions().tileSize

    @Option(help: "The model's scale in µm/px.")
    var umPerPx = MedTrainTilesOptions().umPerPx

    @Option(help: "Architecture: \(ModelSpec.Architecture.allCases.map(\.rawValue).joined(separator: ", ")).")
    var architecture = MedTrainTilesOptions().architecture

    @Option(help: "Stage widths of the compact CNN, comma-separated.")
    var widths = MedTrainTilesOptions().widths

    @Option(help: "Peak learning rate (AdamW, warm-up then cosine decay).")
    var learningRate = MedTrainTilesOptions().learningRate

    @Option(help: "Tiles per training step.")
    var batchSize = MedTrainTilesOptions().batchSize

    @Option(help: "Stain normalisation: none, reinhard or macenko.")
    var stain = MedTrainTilesOptions().stain

    @Option(help: "RGB reference image the stain normaliser is fitted on.")
    var stainReference: String?

    @Option(help: "Annotation polygons label tiles by their centre or by half their area: centre or area.")
    var regionRule = MedTrainTilesOptions().regionRule

    @Option(help: "µm/px of level 0 for region slides that carry no scale.")
    var mpp: Double?

    @Option(help: "Fraction of regions held out for validation.")
    var validationFraction = MedTrainTilesOptions().validationFraction

    @Option(help: "Seed for the split, initialisation and shuffling.")
    var seed = MedTrainTilesOptions().seed

    @Flag(help: "No progress output.")
    var quiet = false

    @Option(help: "Compute threads for every kernel and OpenBLAS (default: one per core).")
    var threads: Int = 0

    var options: MedTrainTilesOptions {
        var o = MedTrainTilesOptions()
        o.epochs = epochs
        o.tileSize = tileSize
        o.umPerPx = umPerPx
        o.architecture = architecture
        o.widths = widths
        o.learningRate = learningRate
        o.batchSize = batchSize
        o.stain = stain
        o.stainReference = stainReference
        o.mpp = mpp
        o.regionRule = regionRule
        o.validationFraction = validationFraction
        o.seed = seed
        return o
    }

    func validate() throws { try usage { try options.validate() } }

    func run() throws {
        let options = self.options
        applyComputeThreads(threads)
        let url = URL(fileURLWithPath: out)
        do {
            let stainNormalizer = try options.stainNormalizer()
            let data = try TileDataset.load(self.data, tileSize: options.tileSize, umPerPixel: options.umPerPx, fallbackMpp: options.mpp,
                                            regionRule: options.regionRule)
            if !quiet { FileHandle.standardError.write(Data("train-tiles: \(data.tiles.count) tiles, classes \(data.classes.joined(separator: ", "))\n".utf8)) }
            var trainer = TileTrainer(options: options)
            trainer.progress = .automatic(quiet: quiet)
            try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
            let result = try trainer.train(data, stain: stainNormalizer,
                                           log: URL(fileURLWithPath: url.deletingPathExtension().path + ".log.jsonl"))
            try ModelFile.save(result.network, manifest: result.manifest, to: url)
            let acc = result.validationAccuracy.map { String(format: "%.3f", $0) } ?? "n/a"
            print("wrote \(out): \(result.trainCount) training tiles, \(result.validationCount) validation tiles, validation accuracy \(acc)")
        } catch { throw fail(error) }
    }
}
