// Training samples of a grading model: every patch of every image with one label per head.
// With several raters an image's patches take the raters' labels in turn, so each image
// contributes its raters' vote shares — a soft label — to the loss.

import Foundation
import Shared

struct GradingSamples: TrainingSamples {
    /// Per sample: (image index, patch index).
    let slots: [(image: Int, patch: Int)]
    let patches: [[Tensor]]
    /// Per image: rater labels for each head (type, then needle class when present), each as long as the vote count.
    let labels: [[[Int]]]
    /// Sample range of each image.
    let ranges: [Range<Int>]

    init(_ dataset: GradingDataset, _ prepared: [PreparedPatches], needle: Bool) {
        var slots: [(Int, Int)] = []
        var ranges: [Range<Int>] = []
        for (i, p) in prepared.enumerated() {
            let start = slots.count
            for j in p.patches.indices { slots.append((i, j)) }
            ranges.append(start..<slots.count)
        }
        self.slots = slots
        self.ranges = ranges
        patches = prepared.map(\.patches)
        labels = dataset.micrographs.map { m in
            var heads = [GradingSamples.expand(m.typeVotes)]
            if needle { heads.append(GradingSamples.expand(m.needleVotes)) }
            return heads
        }
    }

    /// Votes [2, 0, 1] → labels [0, 0, 2].
    static func expand(_ votes: [Int]) -> [Int] { votes.enumerated().flatMap { [Int](repeating: $0.offset, count: $0.element) } }

    var count: Int { slots.count }

    func sample(_ index: Int) throws -> TrainingSample {
        let (i, j) = slots[index]
        return TrainingSample(image: patches[i][j], labels: labels[i].map { $0[j % $0.count] })
    }

    /// Sample indices of the given images.
    func indices(ofImages images: [Int]) -> [Int] { images.flatMap { Array(ranges[$0]) } }
}
