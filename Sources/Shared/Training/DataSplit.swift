// Train / validation / test splits that are stratified by label and never put
// one group (specimen, patient, slide) on two sides: whole groups are dealt to
// the split whose per-class quota they fill best.

/// Sample indices of each side of a split.
public struct DataSplit: Equatable, Sendable {
    public var train: [Int]
    public var validation: [Int]
    public var test: [Int]

    /// Deals whole groups to train, validation and test so each class keeps about the requested fractions.
    /// `groups` (one key per sample) defaults to every sample its own group. Deterministic for a seed.
    public static func stratified(labels: [Int], groups: [String]? = nil, validationFraction: Double,
                                  testFraction: Double = 0, seed: UInt64) -> DataSplit {
        precondition(groups == nil || groups!.count == labels.count, "one group key per sample")
        precondition(labels.allSatisfy { $0 >= 0 }, "class indices must be non-negative")
        precondition(validationFraction >= 0 && testFraction >= 0 && validationFraction + testFraction < 1, "fractions must leave a training set")
        let keys = groups ?? labels.indices.map(String.init)
        var members: [String: [Int]] = [:]
        var order: [String] = []
        for (i, k) in keys.enumerated() {
            if members[k] == nil { order.append(k) }
            members[k, default: []].append(i)
        }
        // Seeded shuffle, then largest groups first: they are the hardest to place.
        var rng = SplitMix64(seed: seed)
        order.shuffle(using: &rng)
        order.sort { members[$0]!.count > members[$1]!.count }

        let classes = (labels.max() ?? -1) + 1
        var totals = [Double](repeating: 0, count: classes)
        for y in labels { totals[y] += 1 }
        let fractions = [1 - validationFraction - testFraction, validationFraction, testFraction]
        let targets = fractions.map { f in totals.map { $0 * f } }
        var counts = [[Double]](repeating: [Double](repeating: 0, count: classes), count: 3)
        var sides: [[Int]] = [[], [], []]
        var dealt = 0.0
        for key in order {
            let idx = members[key]!
            var groupCounts = [Double](repeating: 0, count: classes)
            for i in idx { groupCounts[labels[i]] += 1 }
            dealt += Double(idx.count)
            // The side with the largest unmet quota for this group's classes (samples, per sample of the group),
            // plus how far the side lags its share of all samples dealt so far. The second term carries the
            // rounding of small classes over to the next ones: a class of three groups cannot be split 60/15/25,
            // but the classes together can (a relative per-class quota alone dealt such classes 1/1/1, whatever
            // the fractions asked).
            var best = 0, bestScore = -Double.infinity
            for s in 0..<3 where fractions[s] > 0 {
                var score = 0.0
                for c in 0..<classes where groupCounts[c] > 0 {
                    score += groupCounts[c] * (targets[s][c] - counts[s][c])
                }
                score = score / Double(idx.count) + fractions[s] * dealt - Double(sides[s].count)
                if score > bestScore { best = s; bestScore = score }
            }
            for c in 0..<classes { counts[best][c] += groupCounts[c] }
            sides[best].append(contentsOf: idx)
        }
        return DataSplit(train: sides[0].sorted(), validation: sides[1].sorted(), test: sides[2].sorted())
    }
}
