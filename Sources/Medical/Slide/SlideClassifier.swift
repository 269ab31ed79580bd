// One slide from file to result: open (scale and its source), tissue, tiles at the model's
// scale, classification in batches while a reader thread runs ahead on a bounded queue
// (read, resample, stain-normalise), aggregation, and the per-slide files. A tile that cannot
// be decoded is skipped and counted and the slide is flagged; only an unreadable slide fails.

import Foundation
import Shared

public final class SlideClassifier: @unchecked Sendable {  // the predictor only reads its weights
    public let options: MedSlidesOptions
    public let model: SlideTileModel
    public let outDir: URL?
    public let progress: ProgressReporter.Mode
    private let predictor: Predictor
    private let detector: TissueDetector
    private let heatmapClass: Int
    /// The attention-MIL model (`--mil`), trained on this tile model's features.
    public let mil: AttentionMIL?

    public init(options: MedSlidesOptions, model: SlideTileModel, outDir: URL?, progress: ProgressReporter.Mode = .quiet) throws {
        self.options = options
        self.model = model
        self.outDir = outDir
        self.progress = progress
        predictor = Predictor(network: model.network, batchSize: options.batchSize)
        detector = TissueDetector(preset: options.tissuePreset)
        if let name = options.heatmapClass {
            guard let i = model.classes.firstIndex(of: name) else {
                throw ReticleError(.usage, "--heatmap-class \"\(name)\" is not one of the model's classes (\(model.classes.joined(separator: ", ")))")
            }
            heatmapClass = i
        } else {
            heatmapClass = model.classes.count - 1
        }
        if let path = options.mil {
            let (mil, provenance) = try AttentionMILFile.load(URL(fileURLWithPath: path))
            let trainedOn = provenance["tile_model"]?["sha256"]?.stringValue
            let given = try FileFingerprint.of(path: options.model)
            guard trainedOn == given else {
                throw ReticleError(.usage, file: path, "this MIL model was trained on the features of tile model \(trainedOn ?? "(unknown)"), but --model \(options.model) is \(given)")
            }
            let width = model.network.heads.first?.weight.shape.last ?? 0
            guard mil.config.features == width else {
                throw ReticleError(.corrupt, file: path, "this MIL model reads \(mil.config.features) features per tile, the tile model gives \(width)")
            }
            self.mil = mil
        } else {
            mil = nil
        }
    }

    /// One slide's tissue tiles and their features, as `med train-slides` stores them.
    public struct TileFeatures: Sendable {
        public var tiles: [SlideTile]
        /// [tiles, F]: the tile model's penultimate layer; [0, 0] when no tile was read.
        public var features: Tensor
        public var skipped: Int
        public var tissueAreaMm2: Double
    }

    /// Open, tissue, tiles and the tile model's features of every readable tile of `path`.
    public func features(of path: String, label: String) throws -> TileFeatures {
        let slide = try Slide(path: path, fallbackMpp: options.mpp)
        let tissue = try detector.detect(slide)
        let tiler = try SlideTiler(slide: slide, umPerPixel: model.umPerPixel, tileSize: model.tileSize)
        let tiles = tiler.tiles(mask: tissue, minTissue: options.minTissue)
        let pass = run(tiles, tiler: tiler, slide: slide, label: label, keepFeatures: true)
        return TileFeatures(tiles: pass.rows.map(\.tile), features: pass.features ?? Tensor(shape: [0, 0]),
                            skipped: pass.skipped, tissueAreaMm2: tissue.areaMm2)
    }

    private enum Read {
        case tile(SlideTile, Image, fellBack: Bool)
        case failed(SlideTile)
    }

    public func classify(_ item: InputItem) throws -> JSONObject {
        var seconds = JSONObject()
        var clock = Date()
        func lap(_ name: String) {
            seconds[name] = .number((Date().timeIntervalSince(clock) * 1000).rounded() / 1000)
            clock = Date()
        }
        let started = Date()
        let slide = try Slide(path: item.path, fallbackMpp: options.mpp)
        lap("open")
        let tissue = try detector.detect(slide)
        lap("tissue")
        let tiler = try SlideTiler(slide: slide, umPerPixel: model.umPerPixel, tileSize: model.tileSize)
        let tiles = tiler.tiles(mask: tissue, minTissue: options.minTissue)
        lap("tiling")

        let pass = run(tiles, tiler: tiler, slide: slide, label: item.displayPath, keepFeatures: mil != nil)
        var rows = pass.rows
        let (skipped, fallbacks) = (pass.skipped, pass.fallbacks)
        lap("classify")
        var attentionResult: (probabilities: [Double], attention: [Double])?
        if let mil, let features = pass.features, !rows.isEmpty {
            let r = mil.predict(features)
            for i in rows.indices { rows[i].attention = r.attention[i] }
            attentionResult = r
            lap("attention")
        }

        let table = TileScoreTable(classes: model.classes, rows: rows)
        var flags: [JSONValue] = []
        if skipped > 0 { flags.append("corrupt-tiles") }
        if tiles.isEmpty { flags.append("no-tissue") }
        if slide.scale.isEstimate { flags.append("scale-estimated") }

        var o = JSONObject()
        o["vendor"] = .string(slide.vendor)
        o["width"] = .int(slide.width)
        o["height"] = .int(slide.height)
        o["levels"] = .int(slide.levels.count)
        o["objective_power"] = slide.objectivePower.map(JSONValue.number) ?? .null
        o["um_per_px"] = .number(slide.scale.umPerPixel)
        o["um_per_px_source"] = .string(slide.scale.source.rawValue)
        o["um_per_px_detail"] = .string(slide.scale.detail)
        o["tissue_area_mm2"] = .number((tissue.areaMm2 * 1e4).rounded() / 1e4)
        o["tile_um_per_px"] = .number(model.umPerPixel)
        o["tile_size"] = .int(model.tileSize)
        o["tile_count"] = .int(rows.count)
        o["tiles_skipped"] = .int(skipped)
        o["stain_method"] = .string(model.stain.method.rawValue)
        o["stain_fallbacks"] = .int(fallbacks)
        let probs = rows.map(\.probabilities)
        var aggregations = JSONObject()
        func probabilities(_ p: [Double], _ classes: [String]) -> JSONValue {
            var po = JSONObject()
            for (c, v) in zip(classes, p) { po[c] = .number((v * 1e6).rounded() / 1e6) }
            return p.isEmpty ? .null : .object(po)
        }
        for a in SlideAggregation.fromProbabilities { aggregations[a.rawValue] = probabilities(a.aggregate(probs, k: options.topK), model.classes) }
        if let mil { aggregations[SlideAggregation.attention.rawValue] = probabilities(attentionResult?.probabilities ?? [], mil.config.classes) }
        let chosen = options.aggregation == .attention ? attentionResult?.probabilities ?? [] : options.aggregation.aggregate(probs, k: options.topK)
        let chosenClasses = options.aggregation == .attention ? mil?.config.classes ?? [] : model.classes
        o["aggregation"] = .string(options.aggregation.rawValue)
        o["label"] = chosen.isEmpty ? .null : .string(chosenClasses[chosen.indices.max { chosen[$0] < chosen[$1] }!])
        o["probabilities"] = aggregations[options.aggregation.rawValue] ?? .null
        o["aggregations"] = .object(aggregations)
        o["flags"] = .array(flags)
        o["heatmap_class"] = .string(model.classes[heatmapClass])
        o["thumbnail_downsample"] = .number(tissue.downsample)
        o["tissue_source"] = .string(tissue.source)
        if let outDir {
            o["outputs"] = .object(try SlideOutputs(outDir: outDir, itemID: item.id).write(table: table, tissue: tissue, heatmapClass: heatmapClass))
        }
        lap("outputs")
        seconds["total"] = .number((Date().timeIntervalSince(started) * 1000).rounded() / 1000)
        o["seconds"] = .object(seconds)
        return o
    }

    private struct Pass {
        var rows: [TileScoreTable.Row]
        /// [rows, F] in row order, when asked for.
        var features: Tensor?
        var skipped: Int
        var fallbacks: Int
    }

    /// Reads on a background thread at most two batches ahead, classifies batch by batch.
    private func run(_ tiles: [SlideTile], tiler: SlideTiler, slide: Slide, label: String, keepFeatures: Bool) -> Pass {
        let queue = BoundedQueue<Read>(capacity: 2 * options.batchSize)
        let stain = model.stain
        Thread.detachNewThread {
            for tile in tiles {
                let read: Read
                do {
                    let (image, fellBack) = stain.apply(try tiler.read(tile))
                    read = .tile(tile, image, fellBack: fellBack)
                } catch {
                    read = .failed(tile)
                    try? slide.recover()
                }
                guard queue.push(read) else { return }
            }
            queue.close()
        }
        let bar = ProgressReporter(label: (label as NSString).lastPathComponent, total: tiles.count, mode: tiles.count > 0 ? progress : .quiet)
        var rows: [TileScoreTable.Row] = []
        var featureParts: [Tensor] = []
        var skipped = 0, fallbacks = 0
        var batch: [(SlideTile, Image)] = []
        func flush() {
            guard !batch.isEmpty else { return }
            let input = model.tensor(batch.map(\.1))
            let p: Tensor
            if keepFeatures {
                let both = predictor.probabilitiesAndFeatures([input])
                p = both.probabilities[0]
                featureParts.append(both.features)
            } else {
                p = predictor.probabilities(input)[0]
            }
            let k = model.classes.count
            let s = p.scalars
            for (i, (tile, _)) in batch.enumerated() {
                rows.append(TileScoreTable.Row(tile: tile, probabilities: (0..<k).map { Double(s[i * k + $0]) }))
                bar.advance()
            }
            batch.removeAll(keepingCapacity: true)
        }
        while let read = queue.pop() {
            switch read {
            case .tile(let t, let image, let fellBack):
                if fellBack { fallbacks += 1 }
                batch.append((t, image))
                if batch.count == options.batchSize { flush() }
            case .failed:
                skipped += 1
                bar.advance(failed: true)
            }
        }
        flush()
        bar.finish()
        // The reader delivers tiles in order, so rows (and feature rows) already follow tile index.
        precondition(zip(rows, rows.dropFirst()).allSatisfy { $0.tile.index < $1.tile.index }, "tiles out of order")
        let features = keepFeatures && !featureParts.isEmpty ? (featureParts.count == 1 ? featureParts[0] : Tensor.concat(featureParts, axis: 0)) : nil
        return Pass(rows: rows, features: features, skipped: skipped, fallbacks: fallbacks)
    }
}
