// A generated training/test set: N specimens × M micrographs each, balanced over types ×
// needle-length classes, written as calibrated TIFFs with `manifest.csv`, `truth.jsonl`
// (full truth per image) and `dataset.json` (how it was made). The same settings give the
// same bytes, whatever the number of threads.

import Foundation
import Shared

public struct SyntheticDataset: Sendable {
    /// Where images go: `images/` with the manifest naming their type, or one folder per type.
    public enum Layout: String, CaseIterable, Codable, Sendable {
        case manifest, folders
    }

    /// One image to generate.
    public struct Entry: Sendable {
        public var specimen: SynthSpecimen
        /// 0-based field within the specimen.
        public var field: Int
        /// Path relative to the dataset folder.
        public var path: String
    }

    public var specimens: Int
    public var imagesPerSpecimen: Int
    public var width: Int
    public var height: Int
    public var umPerPixel: Double
    public var types: [MicrostructureType]
    public var synthesizer: MicrographSynthesizer
    public var seed: UInt64
    public var layout: Layout

    public init(specimens: Int = 20, imagesPerSpecimen: Int = 4, width: Int = 512, height: Int = 512, umPerPixel: Double = 0.5,
                types: [MicrostructureType] = MicrostructureType.defaultDatasetTypes,
                synthesizer: MicrographSynthesizer = MicrographSynthesizer(), seed: UInt64 = 1, layout: Layout = .manifest) {
        self.specimens = specimens
        self.imagesPerSpecimen = imagesPerSpecimen
        self.width = width
        self.height = height
        self.umPerPixel = umPerPixel
        self.types = types
        self.synthesizer = synthesizer
        self.seed = seed
        self.layout = layout
    }

    /// Files a dataset folder holds besides its images.
    public static let manifestName = "manifest.csv", truthName = "truth.jsonl", descriptionName = "dataset.json"

    /// Checks every setting, and that the finest class can be drawn at this scale and the
    /// scale bar fits, before anything is written.
    public func validate() throws {
        guard specimens >= 1, imagesPerSpecimen >= 1 else {
            throw ReticleError(.usage, "need at least one specimen and one image per specimen")
        }
        guard specimens * imagesPerSpecimen <= 1_000_000 else {
            throw ReticleError(.usage, "\(specimens * imagesPerSpecimen) images is more than this generator writes at once (1,000,000)")
        }
        guard !types.isEmpty else { throw ReticleError(.usage, "no microstructure types given") }
        try synthesizer.scale.validate()
        try synthesizer.optics.validate()
        guard (16...MicrographSynthesizer.maxSide).contains(width), (16...MicrographSynthesizer.maxSide).contains(height) else {
            throw ReticleError(.usage, "image size \(width)×\(height) px is outside 16…\(MicrographSynthesizer.maxSide) px a side")
        }
        guard umPerPixel.isFinite, umPerPixel > 0 else { throw ReticleError(.usage, "µm/px must be positive, got \(umPerPixel)") }
        let finest = synthesizer.scale.range(ofClass: 1).lowerBound
        guard finest / umPerPixel >= 2.5 else {
            throw ReticleError(.usage, String(format: "class 1 needles (from %g µm) would be under 2.5 px at %g µm/px: use a finer scale", finest, umPerPixel))
        }
        if let bar = synthesizer.scaleBar { _ = try bar.placement(width: width, height: height, umPerPixel: umPerPixel) }
    }

    /// The specimens, balanced: specimen i has type i mod T and class ⌊i/T⌋ mod C + 1, so
    /// every type × class cell gets the same number (±1) and any prefix stays balanced over types.
    public func plan() -> [SynthSpecimen] {
        let digits = max(4, String(specimens).count)
        return (0..<specimens).map { i in
            let type = types[i % types.count]
            let needleClass = (i / types.count) % synthesizer.scale.classCount + 1
            let id = "s" + String(repeating: "0", count: digits - String(i + 1).count) + String(i + 1)
            return SynthSpecimen.draw(id: id, type: type, needleClass: needleClass, scale: synthesizer.scale,
                                      seed: SynthHash.mix(seed ^ SynthHash.mix(UInt64(i) &+ 0xDA7A)))
        }
    }

    /// Every image in manifest order: specimen by specimen, field by field.
    public func entries() -> [Entry] {
        let digits = max(2, String(imagesPerSpecimen).count)
        return plan().flatMap { s in
            (0..<imagesPerSpecimen).map { f in
                let n = String(f + 1)
                let name = "\(s.id)-\(String(repeating: "0", count: digits - n.count))\(n).tif"
                return Entry(specimen: s, field: f, path: (layout == .folders ? s.type.rawValue : "images") + "/" + name)
            }
        }
    }

    /// Generates and writes the dataset into `dir` (created if needed). An existing dataset there
    /// is refused unless `force`, which first removes the files a dataset consists of (and nothing else).
    /// - Parameter threads: images generated at once (0: `ComputeThreads.count`).
    /// - Returns: the truth of every image, in manifest order.
    @discardableResult
    public func write(to dir: URL, force: Bool = false, threads: Int = 0, progress: ProgressReporter? = nil) throws -> [MicrographTruth] {
        try validate()
        let fm = FileManager.default
        let known = [Self.manifestName, Self.truthName, Self.descriptionName]
        if known.contains(where: { fm.fileExists(atPath: dir.appendingPathComponent($0).path) }) {
            guard force else {
                throw ReticleError(.usage, file: dir.path, "already holds a generated dataset; give --force to replace it")
            }
            for name in known + ["images"] + MicrostructureType.allCases.map(\.rawValue) {
                let url = dir.appendingPathComponent(name)
                if fm.fileExists(atPath: url.path) { try fm.removeItem(at: url) }
            }
        }
        let entries = self.entries()
        for folder in Set(entries.map { ($0.path as NSString).deletingLastPathComponent }) {
            try fm.createDirectory(at: dir.appendingPathComponent(folder), withIntermediateDirectories: true)
        }
        let results = try generate(entries, into: dir, threads: threads, progress: progress)
        let manifest = SyntheticManifest(rows: zip(entries, results).map { SyntheticManifest.Row(image: $0.path, truth: $1) })
        var truthLines = ""
        for (entry, truth) in zip(entries, results) {
            var o: JSONObject = ["image": .string(entry.path)]
            for (k, v) in truth.json.objectValue ?? [:] { o[k] = v }
            truthLines += JSONValue.object(o).serialized() + "\n"
        }
        try AtomicFile.write(truthLines, to: dir.appendingPathComponent(Self.truthName))
        try AtomicFile.write(description.serialized(pretty: true) + "\n", to: dir.appendingPathComponent(Self.descriptionName))
        // The manifest last: its presence says the dataset is complete.
        try AtomicFile.write(manifest.csv, to: dir.appendingPathComponent(Self.manifestName))
        return results
    }

    /// Generates every entry on `threads` threads; results come back in entry order.
    private func generate(_ entries: [Entry], into dir: URL, threads: Int, progress: ProgressReporter?) throws -> [MicrographTruth] {
        defer { progress?.finish() }
        return try parallelMap(count: entries.count, workers: threads) { i in
            let e = entries[i]
            do {
                let m = try synthesizer.micrograph(of: e.specimen, field: e.field, width: width, height: height, umPerPixel: umPerPixel)
                try ImageFile.write(m.image, to: dir.appendingPathComponent(e.path).path)
                progress?.advance()
                return m.truth
            } catch {
                progress?.advance(failed: true)
                throw error
            }
        }
    }

    /// `dataset.json`: the settings that made the dataset and the needle-length scale it uses.
    public var description: JSONValue {
        let scale = synthesizer.scale
        let classes: [JSONValue] = scale.classes.map { k in
            let r = scale.range(ofClass: k)
            return ["class": .int(k), "min_um": .number(r.lowerBound), "max_um": .number(r.upperBound)]
        }
        let optics = synthesizer.optics
        return [
            "generator": "reticle micro synth",
            "reticle": .string(ReticleVersion.string),
            "seed": .string(String(seed)),
            "specimens": .int(specimens),
            "images_per_specimen": .int(imagesPerSpecimen),
            "width": .int(width), "height": .int(height),
            "um_per_px": .number(umPerPixel),
            "types": .array(types.map { .string($0.rawValue) }),
            "layout": .string(layout.rawValue),
            "needle_scale": ["name": .string(NeedleLengthScale.houseScaleName), "classes": .array(classes)],
            "optics": ["illumination_gradient": .number(optics.illuminationGradient), "vignetting": .number(optics.vignetting),
                       "blur_um": .number(optics.blurUM), "noise_sigma": .number(optics.noiseSigma),
                       "etch_contrast": .number(optics.etchContrast), "gamma": .number(optics.gamma)],
            "scale_bar": synthesizer.scaleBar.map { ["length_um": .number($0.lengthUM), "polarity": .string($0.polarity.rawValue)] } ?? .null,
        ]
    }
}
