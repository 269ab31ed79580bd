// `remote classify` as a library call: load the model and the scene, classify every pixel in
// bounded batches, and write the outputs a GIS and a reader want: map.tif (class numbers, the
// input's georeferencing), map.png with a legend, legend.json, optional probabilities.tif, and
// with a reference raster metrics.json; report.html always.

import Foundation
import Shared

public struct SceneClassification {
    public var options: RemoteClassifyOptions
    public var progress: ProgressReporter.Mode = .quiet

    public init(options: RemoteClassifyOptions) { self.options = options }

    public struct Result {
        public var accuracy: ClassificationAccuracy?
        public var seconds: Double
        public var pixels: Int
        public var classCounts: [Int]
        public var files: [String]
    }

    public func run(out: URL) throws -> Result {
        try options.validate()
        _ = FusionFamily.registerAll
        let (network, manifest) = try ModelFile.load(from: URL(fileURLWithPath: options.model))
        let info = try FusionModelInfo.from(manifest, file: options.model)
        let inputs = try FusionInputs.load(hsi: options.hsi, lidar: options.lidar, layers: info.lidarLayers ?? LidarLayer.standard,
                                           hsiVariable: options.hsiVariable, lidarVariable: options.lidarVariable)
        let scene = try info.scene(inputs)
        let classifier = FusionClassifier(network: network, info: info, batch: options.batchSize)
        let steps = info.modelFamily == .patchFree ? 1 : (scene.lines + options.tileLines - 1) / options.tileLines
        let start = Date()
        let (map, probs) = classifier.classifyScene(scene, tileLines: options.tileLines, keepProbabilities: options.probabilities,
                                                    progress: ProgressReporter(label: "classify", total: steps, mode: progress))
        let seconds = Date().timeIntervalSince(start)
        try FileManager.default.createDirectory(at: out, withIntermediateDirectories: true)
        var files: [String] = []
        let reference = inputs.reference
        let k = info.classes.count
        // map.tif: class numbers in the smallest type, 0 = no class, georeferenced like the input.
        var mapCube = HyperspectralCube(samples: scene.samples, lines: scene.lines, bands: 1, values: map.map(Float.init),
                                        sourceType: k < 256 ? .uint8 : .uint16, mapInfo: reference.mapInfo)
        mapCube.geoReference = reference.geoReference
        mapCube.noDataValue = 0
        try GeoTIFFWriter.write(mapCube, to: out.appendingPathComponent("map.tif").path)
        files.append("map.tif")
        try ImageFile.write(ClassMapImage.render(classes: map, samples: scene.samples, lines: scene.lines, classCount: k),
                            to: out.appendingPathComponent("map.png").path)
        files.append("map.png")
        let legend = JSONValue.array(info.classes.enumerated().map { i, name in
            .object(["value": .int(i + 1), "name": .string(name), "colour": .string(ClassMapImage.hex(i + 1))])
        })
        try AtomicFile.write(legend.serialized(pretty: true) + "\n", to: out.appendingPathComponent("legend.json"))
        files.append("legend.json")
        if let probs {
            var p = HyperspectralCube(samples: scene.samples, lines: scene.lines, bands: k, values: probs, sourceType: .float32,
                                      mapInfo: reference.mapInfo)
            p.geoReference = reference.geoReference
            try GeoTIFFWriter.write(p, to: out.appendingPathComponent("probabilities.tif").path,
                                    options: GeoTIFFWriteOptions(interleave: .band))
            files.append("probabilities.tif")
        }
        var counts = [Int](repeating: 0, count: k)
        for c in map where c > 0 { counts[c - 1] += 1 }
        var accuracy: ClassificationAccuracy?
        if let ref = options.reference {
            let labels = try LabelRaster.read(ref, grid: inputs.grid, variable: options.referenceVariable,
                                              unlabelled: options.unlabelled)
            try labels.check(against: inputs.grid)
            let pixels = labels.labels.indices.filter { labels.labels[$0] > 0 }
            guard let top = pixels.map({ labels.labels[$0] }).max(), top <= k else {
                throw ReticleError(.usage, file: ref, pixels.isEmpty ? "no labelled pixels to evaluate" : "holds classes beyond the model's \(k)")
            }
            accuracy = try ClassificationAccuracy(classes: info.classes, truth: pixels.map { labels.labels[$0] - 1 },
                                                  predicted: pixels.map { map[$0] - 1 },
                                                  split: ["reference": .string(ref), "protocol": "reference raster"])
            try AtomicFile.write(JSONValue.object(accuracy!.json).serialized(pretty: true) + "\n",
                                 to: out.appendingPathComponent("metrics.json"))
            files.append("metrics.json")
        }
        try report(info: info, counts: counts, accuracy: accuracy, seconds: seconds, manifest: manifest)
            .write(to: out.appendingPathComponent("report.html"))
        files.append("report.html")
        return Result(accuracy: accuracy, seconds: seconds, pixels: map.count, classCounts: counts, files: files)
    }

    func report(info: FusionModelInfo, counts: [Int], accuracy: ClassificationAccuracy?, seconds: Double,
                manifest: ModelManifest) -> HTMLReport {
        var notes = ["Model \(URL(fileURLWithPath: options.model).lastPathComponent): \(info.modelKind)\(info.modelFamily == .patchFree ? ", whole scene" : ", patch \(info.patch) px"), \(info.classes.count) classes.",
                     String(format: "Classified in %.1f s.", seconds)]
        if let split = manifest.provenance["split"] { notes.append("Training split: \(split.serialized())") }
        var cells: [(String, String)] = [("model", info.modelKind)]
        if let a = accuracy {
            cells += [("OA", String(format: "%.2f %%", 100 * a.overallAccuracy)), ("AA", String(format: "%.2f %%", 100 * a.averageAccuracy)),
                      ("kappa", String(format: "%.4f", a.kappa))]
            notes.append("Measured on \(a.confusion.total) reference pixels of \(options.reference ?? "").")
        }
        let row = HTMLReport.Row(file: "classification map", ok: true, needsReview: false, cells: cells, thumbnail: "map.png")
        var tables: [(title: String, header: [String], rows: [[String]])] = []
        tables.append(("Legend", ["value", "class", "colour", "pixels"], info.classes.enumerated().map { i, n in
            [String(i + 1), n, ClassMapImage.hex(i + 1), String(counts[i])]
        }))
        if let a = accuracy {
            tables.append(("Per-class accuracy", ["class", "reference pixels", "accuracy"], zip(a.confusion.classes, zip(a.confusion.counts, a.confusion.recall)).map { n, cr in
                [n, String(cr.0.reduce(0, +)), cr.1.map { String(format: "%.2f %%", 100 * $0) } ?? "–"]
            }))
            tables.append(("Confusion matrix (rows: reference, columns: predicted)", ["reference"] + a.confusion.classes,
                           zip(a.confusion.classes, a.confusion.counts).map { [$0] + $1.map(String.init) }))
        }
        return HTMLReport(title: "Land-cover classification", notes: notes,
                          distributions: [.init(title: "Pixels per class", counts: zip(info.classes, counts).map { ($0, $1) })],
                          rows: [row], extraTables: tables)
    }
}
