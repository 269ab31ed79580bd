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
