// Stable, file-system-safe ids and the hash that places an id in a shard.

import Foundation

public enum ItemID {
    /// `sub/dir/a b.tif` → `sub__dir__a_b.tif`; readable, and the same on every machine.
    public static func make(from displayPath: String) -> String {
        var out = ""
        for u in displayPath.unicodeScalars {
            switch u {
            case "/": out += "__"
            case "a"..."z", "A"..."Z", "0"..."9", ".", "-", "_": out.unicodeScalars.append(u)
            default: out += "_"
            }
        }
        if out.hasPrefix(".") { out = "_" + out.dropFirst() }
        // Long ids stay unique through the hash suffix while keeping file names under common limits.
        if out.utf8.count > 180 {
            out = String(out.prefix(160)) + "~" + String(stableHash(displayPath), radix: 16)
        }
        return out.isEmpty ? "_" : out
    }

    /// FNV-1a 64: unlike Swift's `Hasher`, the same in every process, so shards agree across machines.
    public static func stableHash(_ s: String) -> UInt64 {
        var h: UInt64 = 0xcbf2_9ce4_8422_2325
        for b in s.utf8 {
            h ^= UInt64(b)
            h = h &* 0x0000_0100_0000_01B3
        }
        return h
    }
}
