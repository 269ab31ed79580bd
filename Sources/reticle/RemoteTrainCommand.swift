// `reticle remote train --hsi CUBE --lidar LAS --labels TRAIN --model-kind K --out MODEL`: a land-cover
// patch model, its training log and its evaluation on the held-out pixels, printed with the split.
import ArgumentParser
import Foundation
import Remote
import Shared

struct RemoteTrainCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "train",
        abstract: "Train an HSI/LiDAR land-cover model (two-branch CNN, cross-state scans or patch-free FCN; fusion or one modality).",
        discussion: """
        Labels are a raster on the scene's grid (GeoTIFF, ENVI or MATLAB .mat, 0 = unlabelled). The labelled \
        pixels are split by --split: per-class (a fixed number per class), blocks (spatially \
        disjoint squares; the default), official (all of --labels trains, --test evaluates) or \
        random-pixels (warned: neighbours leak between the sets). Writes MODEL, MODEL's stem + \
        .log.jsonl and .evaluation.json (OA, AA, kappa, per class, confusion, split).
        """)

    @Option(help: "Hyperspectral cube (ENVI .hdr, GeoTIFF or MATLAB v5).") var hsi: String?
    @Option(help: "LiDAR: a LAS file (rasterised onto the cube's grid) or a raster on the grid.") var lidar: String?
    @Option(help: "Training label raster (0 = unlabelled).") var labels: String
    @Option(help: "Official test raster, evaluated after training.") var test: String?
    @Option(help: "Array of a .mat --hsi, as MATLAB names it (e.g. hsi.Data; default: the largest 3-D array).") var hsiVariable: String?
    @Option(help: "Array of a .mat --lidar (e.g. hsi.Lidar{1}.z).") var lidarVariable: String?
    @Option(help: "Array of a .mat --labels (e.g. hsi.sceneLabels.labels; default: the only 2-D array).") var labelsVariable: String?
    @Option(help: "Array of a .mat --test.") var testVariable: String?
    @Option(parsing: .unconditional, help: "Label value marking unlabelled pixels besides 0 (MUUFL Gulfport: -1).") var unlabelled = RemoteTrainOptions().unlabelled
    @Option(help: "\(FusionFamily.modelKinds.joined(separator: ", ")) (two-branch CNN; csf: cross-state scans; freenet: patch-free, where an epoch is one whole-scene step).")
    var modelKind = RemoteTrainOptions().modelKind
    @Option(help: "Model file to write (.safetensors).") var out: String
    @Option(help: "Patch side in pixels (odd).") var patch = RemoteTrainOptions().patch
    @Option(help: "Channels of the HSI branch (the LiDAR branch has half).") var width = RemoteTrainOptions().width
    @Option(help: "Training epochs (freenet kinds: whole-scene steps).") var epochs = RemoteTrainOptions().epochs
    @Option(help: "State size of the cross-state scans (csf kinds).") var state = RemoteTrainOptions().state
    @Option(help: "Training pixels drawn per class each step (freenet kinds).") var pixelsPerClass = RemoteTrainOptions().pixelsPerClass
    @Option(help: "Pixels per training batch.") var batchSize = RemoteTrainOptions().batchSize
    @Option(help: "Peak learning rate (AdamW, warm-up then cosine decay).") var learningRate = RemoteTrainOptions().learningRate
    @Option(help: "per-class, blocks, official or random-pixels.") var split = RemoteTrainOptions().split
    @Option(help: "Training pixels per class (per-class).") var perClass = RemoteTrainOptions().perClass
    @Option(help: "Block side in pixels (blocks).") var blockSize = RemoteTrainOptions().blockSize
    @Option(help: "Training share of blocks or pixels.") var trainFraction = RemoteTrainOptions().trainFraction
    @Option(help: "HSI principal components to keep (default: the bands themselves).") var pca: Int?
    @Option(help: "0-based HSI bands to drop, e.g. 0-3,140.") var badBands: String?
    @Option(help: "LiDAR layers from a LAS file: \(LidarLayer.allCases.map(\.rawValue).joined(separator: ", ")).")
    var lidarLayers = RemoteTrainOptions().lidarLayers
    @Option(help: "Seed of the split, initialisation and shuffling.") var seed = RemoteTrainOptions().seed
    @Flag(help: "No progress output.") var quiet = false
    @Option(help: "Compute threads (default: one per core).") var threads: Int = 0

    var options: RemoteTrainOptions {
        var o = RemoteTrainOptions()
        o.hsi = hsi; o.lidar = lidar; o.labels = labels; o.test = test; o.modelKind = modelKind
        o.hsiVariable = hsiVariable; o.lidarVariable = lidarVariable; o.labelsVariable = labelsVariable
        o.testVariable = testVariable; o.unlabelled = unlabelled
        o.patch = patch; o.width = width; o.epochs = epochs; o.batchSize = batchSize; o.learningRate = learningRate
        o.split = split; o.perClass = perClass; o.blockSize = blockSize; o.trainFraction = trainFraction
        o.pca = pca; o.badBands = badBands; o.lidarLayers = lidarLayers; o.seed = seed
        o.state = state; o.pixelsPerClass = pixelsPerClass
        return o
    }

    func validate() throws { try usage { try options.validate() } }

    func run() throws {
        applyComputeThreads(threads)
        let quiet = self.quiet
        var trainer = FusionTrainer(options: options)
        trainer.progress = .automatic(quiet: quiet)
        trainer.report = { line in if !quiet { FileHandle.standardError.write(Data("train: \(line)\n".utf8)) } }
        let url = URL(fileURLWithPath: out)
        let stem = url.deletingPathExtension().path
        do {
            try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
            let result = try trainer.train(log: URL(fileURLWithPath: stem + ".log.jsonl"))
            try ModelFile.save(result.network, manifest: result.manifest, to: url)
            var evaluation: JSONObject = ["model_kind": .string(modelKind),
                                          "seconds_per_epoch": .number(result.secondsPerEpoch),
                                          "epochs": .int(result.epochs.count)]
            if let e = result.evaluation {
                for (k, v) in e.json { evaluation[k] = v }
                print(e.summary, terminator: "")
            } else {
                print("no held-out pixels: nothing evaluated (split \(JSONValue.object(result.split.description).serialized()))")
            }
            try AtomicFile.write(JSONValue.object(evaluation).serialized(pretty: true) + "\n",
                                 to: URL(fileURLWithPath: stem + ".evaluation.json"))
            print(String(format: "wrote %@ (%.2f s per epoch)", out, result.secondsPerEpoch))
        } catch { throw fail(error) }
    }
}
