// FreeNet's global stochastic stratified sampling: each training step draws a fixed number of
// training pixels from every class, so a whole-scene step sees rare classes as often as common
// ones. Each class's pixels are reshuffled whenever they are used up (an epoch of that class).

import Foundation
import Shared

public struct StratifiedPixelSampler {
    /// Training pixels of each class (0-based classes), each in its current shuffled order.
    private var pools: [[Int]]
    private var cursors: [Int]
    private var rng: SplitMix64
    public let perClass: Int

    /// `pixels` with their 0-based `labels`; classes without pixels are skipped.
    public init(pixels: [Int], labels: [Int], classes: Int, perClass: Int, seed: UInt64) {
        precondition(pixels.count == labels.count && perClass >= 1)
        var pools = [[Int]](repeating: [], count: classes)
        for (p, k) in zip(pixels, labels) { pools[k].append(p) }
        rng = SplitMix64(seed: seed)
        for k in pools.indices { pools[k].shuffle(using: &rng) }
        self.pools = pools
        cursors = [Int](repeating: 0, count: classes)
        self.perClass = perClass
    }

    /// One step's pixels and their classes: `min(perClass, pixels of the class)` of every class, no pixel twice.
    public mutating func next() -> (pixels: [Int], labels: [Int]) {
        var pixels: [Int] = [], labels: [Int] = []
        for k in pools.indices where !pools[k].isEmpty {
            let take = min(perClass, pools[k].count)
            if cursors[k] + take > pools[k].count {
                pools[k].shuffle(using: &rng)
                cursors[k] = 0
            }
            pixels += pools[k][cursors[k]..<(cursors[k] + take)]
            labels += [Int](repeating: k, count: take)
            cursors[k] += take
        }
        return (pixels, labels)
    }
}
