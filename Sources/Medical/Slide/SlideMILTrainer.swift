// `med train-slides`: slide-level labels (CSV slide,label; slide paths relative to the CSV) to
// a gated-attention MIL model. Each slide is tiled as `med slides` tiles it and its tiles'
// features (the tile model's penultimate layer) are extracted once into a `SlideFeatureCache`;
// slides are split into train and validation by slide, stratified by label; the saved model's
// provenance names the tile model (path and SHA-256) and the tiling, so `med slides --mil`
// refuses a different tile model. An unreadable slide is reported and left out; training goes on.

import Foundation
import Shared

public struct SlideMILTrainer {
    public struct Result {
        public var mil: AttentionMIL
        public var provenance: JSONObject
        /// Slides whose features were computed in this run, and those read from the cache.
        public var extracted: Int
        public var cached: Int
        /// Slides left out, with the reason.
        public var failed: [(slide: String, reason: String)]
        public var trainSlides: [String]
        public var validationSlides: [String]
        public var validationAccuracy: Double?
        public var history: [AttentionMILTrainer.Epoch]

        /// The MIL file at `url` and its training log beside it (`<stem>.log.jsonl`, one line per epoch),
        /// each written atomically.
        public func write(to url: URL) throws {
            try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
            try AttentionMILFile.save(mil, provenance: provenance, to: url)
            let log = history.map { $0.json.serialized() + "\n" }.joined()
            try AtomicFile.write(log, to: url.deletingPathExtension().appendingPathExtension("log.jsonl"))
        }
    }

    public let options: MedTrainSlidesOptions
    public var progress: ProgressReporter.Mode = .quiet

    public init(options: MedTrainSlidesOptions) { self.options = options }

    /// The labelled slides of a `slide,label` CSV, paths resolved against the CSV's folder.
    public static func labels(_ csvPath: String) throws -> [(slide: String, label: String)] {
        let text: String
        do { text = try String(contentsOfFile: csvPath, encoding: .utf8) } catch { throw ReticleError(.io, file: csvPath, "not readable as UTF-8 text") }
        let lines = text.split(whereSeparator: \.isNewline).map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
        guard lines.first.map({ MedicalLabelTable.cells($0).map { $0.lowercased() } }) == ["slide", "label"] else {
            throw ReticleError(.corrupt, file: csvPath, "a slide labels CSV starts with the header slide,label")
        }
        let base = (csvPath as NSString).deletingLastPathComponent
        return try lines.dropFirst().enumerated().map { n, line in
            let f = MedicalLabelTable.cells(line)
            guard f.count == 2, !f[0].isEmpty, !f[1].isEmpty else {
                throw ReticleError(.corrupt, file: csvPath, "line \(n + 2): expected slide,label")
            }
            return (f[0].hasPrefix("/") ? f[0] : (base as NSString).appendingPathComponent(f[0]), f[1])
        }
    }

    public func train(labelsCSV: String, cacheFolder: URL) throws -> Result {
        let labelled = try Self.labels(labelsCSV)
        let classes = Array(Set(labelled.map(\.label))).sorted()
        guard classes.count >= 2 else { throw ReticleError(.usage, file: labelsCSV, "training needs at least two slide labels, found \(classes.count)") }

        let slides = options.slidesOptions
        let tileModelHash = try FileFingerprint.of(path: options.tileModel)
        let classifier = try slides.classifier(outDir: nil, progress: .quiet)
        var settings = options.tilingSettings
        settings["tile_size"] = .int(classifier.model.tileSize)
        settings["tile_um_per_px"] = .number(classifier.model.umPerPixel)
        let cache = SlideFeatureCache(folder: cacheFolder, tileModelHash: tileModelHash, settings: settings)

        var bags: [Tensor] = [], bagLabels: [Int] = [], names: [String] = []
        var failed: [(String, String)] = []
        var extracted = 0, cached = 0
        let bar = ProgressReporter(label: "features", total: labelled.count, mode: progress)
        for (path, label) in labelled {
            let name = (path as NSString).lastPathComponent
            do {
                let entry = try cache.entry(for: path)
                let features: SlideClassifier.TileFeatures
                if let hit = cache.load(entry) {
                    features = hit
                    cached += 1
                } else {
                    features = try classifier.features(of: path, label: name)
                    try cache.store(features, slide: path, at: entry)
                    extracted += 1
                }
                guard !features.tiles.isEmpty else { throw ReticleError(.usage, file: path, "no tissue tile to learn from") }
                bags.append(features.features)
                bagLabels.append(classes.firstIndex(of: label)!)
                names.append(path)
                bar.advance()
            } catch {
                failed.append((path, error.reticleMessage(file: path)))
                bar.advance(failed: true)
            }
        }
        bar.finish()
        for c in classes.indices where !bagLabels.contains(c) {
            throw ReticleError(.usage, file: labelsCSV, "no readable slide is labelled \"\(classes[c])\"")
        }

        let split = DataSplit.stratified(labels: bagLabels, validationFraction: options.validationFraction, seed: options.seed)
        // Too few slides to hold some out: train on all and report no validation figure, rather
        // than "validate" on slides the model trained on.
        let train = split.train.isEmpty ? Array(bags.indices) : split.train
        let validation = split.train.isEmpty ? [] : split.validation
        var config = AttentionMILTrainer.Config()
        config.epochs = options.epochs
        config.hidden = options.hidden
        config.learningRate = options.learningRate
        config.seed = options.seed
        var trainer = AttentionMILTrainer(config: config)
        let epochs = ProgressReporter(label: "train-slides", total: options.epochs, mode: progress)
        trainer.onEpoch = { e in epochs.advance(note: String(format: "loss %.3f", e.trainLoss)) }
        let (mil, history) = try trainer.train(bags: bags, labels: bagLabels, classes: classes, train: train, validation: validation)
        epochs.finish()
        let accuracy = history.last?.validationAccuracy

        var provenance = JSONObject()
        provenance["tile_model"] = ["path": .string(options.tileModel), "sha256": .string(tileModelHash)]
        provenance["tiling"] = .object(settings)
        provenance["stain_method"] = .string(classifier.model.stain.method.rawValue)
        provenance["slides"] = .int(bags.count)
        provenance["train_slides"] = .array(train.map { .string((names[$0] as NSString).lastPathComponent) })
        provenance["validation_slides"] = .array(validation.map { .string((names[$0] as NSString).lastPathComponent) })
        provenance["validation_accuracy"] = accuracy.map(JSONValue.number) ?? .null
        provenance["final_train_loss"] = history.last.map { .number($0.trainLoss) } ?? .null
        provenance["options"] = try options.encoded
        return Result(mil: mil, provenance: provenance, extracted: extracted, cached: cached, failed: failed,
                      trainSlides: train.map { names[$0] }, validationSlides: validation.map { names[$0] },
                      validationAccuracy: accuracy, history: history)
    }
}
