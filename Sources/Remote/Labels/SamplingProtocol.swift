// How the labelled pixels of a scene become training and test sets, the way the field does it:
// a fixed number of pixels per class with a seed, spatially disjoint blocks, an official test
// raster, or a random pixel split (with a warning: neighbouring pixels leak between the sets and
// inflate accuracy). Every split describes itself, so it is printed with the metrics.

import Foundation
import Shared

public struct SamplingProtocol: Codable, Equatable, Sendable {
    public enum Kind: String, Codable, Sendable, CaseIterable {
        /// `perClass` random training pixels of each class; the rest of the labelled pixels test.
        case perClass = "per-class"
        /// The scene is cut into square blocks; whole blocks go to training or test.
        case blocks
        /// Every labelled pixel trains; a separate official test raster tests.
        case official
        /// A random fraction of the labelled pixels trains.
        case randomPixels = "random-pixels"
    }

    public var kind: Kind = .blocks
    public var perClass = 50
    /// Block side in pixels (blocks).
    public var blockSize = 16
    /// Share of blocks (blocks) or pixels (random-pixels) that train.
    public var trainFraction = 0.5
    public var seed: UInt64 = 1

    public init(kind: Kind = .blocks, perClass: Int = 50, blockSize: Int = 16, trainFraction: Double = 0.5, seed: UInt64 = 1) {
        self.kind = kind
        self.perClass = perClass
        self.blockSize = blockSize
        self.trainFraction = trainFraction
        self.seed = seed
    }

    public func validate() throws {
        guard perClass >= 1 else { throw ReticleError(.usage, "--per-class must be at least 1, got \(perClass)") }
        guard blockSize >= 1 else { throw ReticleError(.usage, "--block-size must be at least 1 pixel, got \(blockSize)") }
        guard trainFraction > 0, trainFraction < 1 else {
            throw ReticleError(.usage, "--train-fraction must lie strictly between 0 and 1, got \(trainFraction)")
        }
    }

    /// Pixel indices (line × samples + sample) of both sets and how they were drawn.
    public struct Split: Sendable {
        public var train: [Int]
        public var test: [Int]
        public var description: JSONObject
        public var warnings: [String]
    }

    /// Splits the labelled pixels of `labels`. `official` keeps every labelled pixel for training
    /// (the test pixels come from the separate test raster).
    public func split(_ labels: LabelRaster) -> Split {
        var rng = SplitMix64(seed: seed)
        let labelled = labels.labels.indices.filter { labels.labels[$0] > 0 }
        var train: [Int] = [], test: [Int] = []
        var warnings: [String] = []
        var d: JSONObject = ["protocol": .string(kind.rawValue), "seed": .int(Int(seed))]
        switch kind {
        case .perClass:
            var byClass: [Int: [Int]] = [:]
            for i in labelled { byClass[labels.labels[i], default: []].append(i) }
            for k in byClass.keys.sorted() {
                let pixels = byClass[k]!.shuffled(using: &rng)
                // Keep at least half of a small class for testing.
                let n = min(perClass, pixels.count / 2 > 0 ? pixels.count - pixels.count / 2 : pixels.count)
                if n < perClass { warnings.append("class \(k) has \(pixels.count) labelled pixels; \(n) train instead of \(perClass)") }
                train += pixels.prefix(n)
                test += pixels.dropFirst(n)
            }
            d["per_class"] = .int(perClass)
            warnings.append("per-class sampling draws training pixels among the test pixels' neighbours; spatially disjoint blocks measure generalisation better")
        case .blocks:
            let bx = (labels.samples + blockSize - 1) / blockSize, by = (labels.lines + blockSize - 1) / blockSize
            // Blocks of each class are balanced by assigning blocks in a seeded order, alternating so that
            // the training share of labelled pixels approaches `trainFraction`.
            var blockPixels = [[Int]](repeating: [], count: bx * by)
            for i in labelled { blockPixels[(i / labels.samples) / blockSize * bx + (i % labels.samples) / blockSize].append(i) }
            let order = (0..<blockPixels.count).filter { !blockPixels[$0].isEmpty }.shuffled(using: &rng)
            var trainCount = [Int](repeating: 0, count: labels.classCount + 1)
            var total = [Int](repeating: 0, count: labels.classCount + 1)
            for i in labelled { total[labels.labels[i]] += 1 }
            for b in order {
                // A block trains when the classes it holds are, on average, below their training share.
                var need = 0.0
                for i in blockPixels[b] { let k = labels.labels[i]; need += trainFraction - Double(trainCount[k]) / Double(total[k]) }
                if need > 0 {
                    train += blockPixels[b]
                    for i in blockPixels[b] { trainCount[labels.labels[i]] += 1 }
                } else {
                    test += blockPixels[b]
                }
            }
            d["block_size"] = .int(blockSize)
            d["train_fraction"] = .number(trainFraction)
        case .official:
            train = labelled
            d["test"] = "official test raster"
        case .randomPixels:
            for i in labelled { if rng.nextUnit() < trainFraction { train.append(i) } else { test.append(i) } }
            d["train_fraction"] = .number(trainFraction)
            warnings.append("random pixel split: neighbouring pixels fall on both sides and inflate accuracy; use --split blocks or an official test raster for figures to report")
        }
        train.sort()
        test.sort()
        let count: ([Int]) -> JSONValue = { set in
            var c = [Int](repeating: 0, count: labels.classCount + 1)
            for i in set { c[labels.labels[i]] += 1 }
            return .array(c.dropFirst().map { .int($0) })
        }
        d["train_pixels"] = .int(train.count)
        d["test_pixels"] = .int(test.count)
        d["train_per_class"] = count(train)
        d["test_per_class"] = count(test)
        return Split(train: train, test: test, description: d, warnings: warnings)
    }
}
