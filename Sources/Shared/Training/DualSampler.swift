// LibAUC's DualSampler for imbalanced binary data: an epoch's index list in which the positives are
// repeated until they make up `rate` of it (every negative appears once), so that mini-batches hold
// enough positives for the AUC-margin loss's per-batch statistics.

public enum DualSampler {
    /// `indices` with their positives (label 1) repeated to about `rate` of the result, in index order (the
    /// Trainer shuffles). Unchanged when the positives already make up `rate` or more, or when a class is missing.
    public static func indices(_ indices: [Int], labels: [Int], rate: Double) -> [Int] {
        precondition(rate > 0 && rate < 1, "DualSampler: the rate must lie in (0, 1)")
        let positives = indices.filter { labels[$0] == 1 }, negatives = indices.filter { labels[$0] != 1 }
        guard !positives.isEmpty, !negatives.isEmpty else { return indices }
        let wanted = Int((Double(negatives.count) * rate / (1 - rate)).rounded())
        guard wanted > positives.count else { return indices }
        return negatives + (0..<wanted).map { positives[$0 % positives.count] }
    }
}

extension DualSampler {
    /// LibAUC's DualSampler proper: every mini-batch holds exactly ⌊rate·batchSize⌋ positives (at least one) and the
    /// rest negatives, each class drawn without replacement from its own shuffled list and reshuffled when used up
    /// (positives cycle many times per epoch, negatives about once). An epoch has max(P / p, N / n) batches.
    public struct Batches: Sendable {
        public let batchSize: Int
        public let positivesPerBatch: Int
        private var positives: [Int], negatives: [Int]
        private var p = 0, n = 0

        /// nil when a class is missing from `indices` (nothing to pair).
        public init?(_ indices: [Int], labels: [Int], rate: Double, batchSize: Int) {
            precondition(rate > 0 && rate < 1 && batchSize >= 2, "DualSampler: the rate must lie in (0, 1) and batches hold two or more")
            positives = indices.filter { labels[$0] == 1 }
            negatives = indices.filter { labels[$0] != 1 }
            guard !positives.isEmpty, !negatives.isEmpty else { return nil }
            self.batchSize = batchSize
            positivesPerBatch = Swift.min(batchSize - 1, Swift.max(1, Int(rate * Double(batchSize))))
            p = positives.count; n = negatives.count  // shuffled on first use
        }

        public var batchesPerEpoch: Int {
            Swift.max(1, Swift.max(positives.count / positivesPerBatch, negatives.count / (batchSize - positivesPerBatch)))
        }

        /// One epoch's batches.
        public mutating func epoch(using rng: inout SplitMix64) -> [[Int]] {
            (0..<batchesPerEpoch).map { _ in
                var batch: [Int] = []
                batch.reserveCapacity(batchSize)
                for _ in 0..<positivesPerBatch {
                    if p == positives.count { positives.shuffle(using: &rng); p = 0 }
                    batch.append(positives[p]); p += 1
                }
                for _ in positivesPerBatch..<batchSize {
                    if n == negatives.count { negatives.shuffle(using: &rng); n = 0 }
                    batch.append(negatives[n]); n += 1
                }
                return batch
            }
        }
    }
}
