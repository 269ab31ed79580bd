// `--shard K/N`: a deterministic subset so that N machines together cover every item once.

import Foundation

public struct Shard: Equatable, Sendable, CustomStringConvertible {
    /// 1-based index, 1...count.
    public let index: Int
    public let count: Int

    public static let all = Shard(index: 1, count: 1)

    public init(index: Int, count: Int) {
        precondition(count >= 1 && (1...count).contains(index), "shard \(index)/\(count) out of range")
        self.index = index
        self.count = count
    }

    /// Parses "K/N" with 1 ≤ K ≤ N.
    public init(parsing text: String) throws {
        let parts = text.split(separator: "/")
        guard parts.count == 2, let k = Int(parts[0]), let n = Int(parts[1]), n >= 1, (1...n).contains(k) else {
            throw ReticleError(.usage, "--shard wants K/N with 1 ≤ K ≤ N, got '\(text)'")
        }
        self.init(index: k, count: n)
    }

    /// Items are placed by a stable hash of their path key (`InputItem.shardKey`), not of their id: an id
    /// can depend on what the output folder records, and shards writing separate folders record different
    /// things, so placing by id let one input land in two shards under two ids once inputs were added.
    /// Adding inputs moves no other input.
    public func contains(_ item: InputItem) -> Bool {
        count == 1 || Int(ItemID.stableHash(item.shardKey) % UInt64(count)) == index - 1
    }

    public var description: String { "\(index)/\(count)" }
}
