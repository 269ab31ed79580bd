// Small generated H&E-like pyramidal slides with known ground truth, written as tiled TIFF
// (one tiled page per level: OpenSlide's generic-tiff reader opens them). Glass around a
// rectangle of tissue; inside it a "tumour" rectangle with dense, large, dark-violet nuclei
// against "normal" pink stroma with sparse small nuclei; optionally a green pen stroke on the
// glass. Tests and benchmarks read them through the same path as real slides.

import Foundation
import Shared

public struct SyntheticSlide: Sendable {
    public enum Region: String, Sendable { case glass, normal, tumour, pen }

    public var width = 2048
    public var height = 1536
    public var umPerPixel = 0.5
    /// Tissue rectangle in level-0 pixels (x, y, width, height).
    public var tissue = (x: 256, y: 256, width: 1536, height: 1024)
    /// Tumour rectangle inside the tissue, or nil for a tumour-free slide.
    public var tumour: (x: Int, y: Int, width: Int, height: Int)? = (x: 256, y: 256, width: 896, height: 1024)
    /// A green marker stroke on the glass along this row, or nil.
    public var penRow: Int? = 128
    public var tileSize = 128
    public var levels = 3
    public var seed: UInt64 = 1
    /// Write TIFF resolution tags (µm/px); without them the slide carries no scale at all.
    public var resolutionTags = true

    public init() {}

    public func region(x: Int, y: Int) -> Region {
        if let p = penRow, abs(y - p) <= 12, x >= 300, x < width - 300 { return .pen }
        let t = tissue
        guard x >= t.x, x < t.x + t.width, y >= t.y, y < t.y + t.height else { return .glass }
        if let u = tumour, x >= u.x, x < u.x + u.width, y >= u.y, y < u.y + u.height { return .tumour }
        return .normal
    }

    /// Level 0 as RGB uint8.
    public func render() -> Image {
        var rng = SplitMix64(seed: seed)
        var px = [UInt8](repeating: 0, count: width * height * 3)
        func noise(_ amplitude: Int) -> Int { Int(rng.next() % UInt64(2 * amplitude + 1)) - amplitude }
        for y in 0..<height {
            for x in 0..<width {
                let base: (Int, Int, Int)
                switch region(x: x, y: y) {
                case .glass: base = (242, 240, 244)
                case .normal: base = (232, 168, 200)
                case .tumour: base = (196, 130, 190)
                case .pen: base = (40, 150, 70)
                }
                let n = noise(6)
                let i = 3 * (y * width + x)
                px[i] = UInt8(clamping: base.0 + n); px[i + 1] = UInt8(clamping: base.1 + n); px[i + 2] = UInt8(clamping: base.2 + n)
            }
        }
        // Nuclei: sparse small ones in normal tissue, dense large ones in tumour.
        func stamp(_ cx: Int, _ cy: Int, _ r: Int, _ colour: (Int, Int, Int)) {
            for y in max(0, cy - r)...min(height - 1, cy + r) {
                for x in max(0, cx - r)...min(width - 1, cx + r) where (x - cx) * (x - cx) + (y - cy) * (y - cy) <= r * r {
                    let i = 3 * (y * width + x)
                    px[i] = UInt8(colour.0); px[i + 1] = UInt8(colour.1); px[i + 2] = UInt8(colour.2)
                }
            }
        }
        let t = tissue
        let normalNuclei = t.width * t.height / 900
        for _ in 0..<normalNuclei {
            let x = t.x + Int(rng.next() % UInt64(t.width)), y = t.y + Int(rng.next() % UInt64(t.height))
            if region(x: x, y: y) == .normal { stamp(x, y, 3, (110, 60, 150)) }
        }
        if let u = tumour {
            for _ in 0..<(u.width * u.height / 120) {
                let x = u.x + Int(rng.next() % UInt64(u.width)), y = u.y + Int(rng.next() % UInt64(u.height))
                stamp(x, y, 5 + Int(rng.next() % 3), (70, 30, 120))
            }
        }
        return Image(width: width, height: height, channels: 3, storage: .uint8(px),
                     calibration: resolutionTags ? Calibration(umPerPixel: umPerPixel, source: .flag, detail: "synthetic slide") : nil)
    }

    /// Writes the pyramid (each level half the previous, area-averaged) to `path`.
    public func write(to path: String) throws {
        var pages = [render()]
        while pages.count < levels {
            let last = pages[pages.count - 1]
            guard last.width / 2 >= tileSize, last.height / 2 >= tileSize else { break }
            pages.append(try Resampler.resample(last, width: last.width / 2, height: last.height / 2))
        }
        try ImageFile.write(pages: pages, to: path, options: ImageWriteOptions(tiffCompression: .deflate, tiffTileSize: tileSize))
        try Self.markReducedResolutionPages(path)
    }

    /// Sets NewSubfileType = 1 (reduced-resolution image) on every page after the first of a
    /// little-endian classic TIFF, as pyramid readers (OpenSlide's generic TIFF) require. Each
    /// such IFD is rewritten, one entry longer, at the end of the file and relinked.
    static func markReducedResolutionPages(_ path: String) throws {
        var d = [UInt8](try Data(contentsOf: URL(fileURLWithPath: path)))
        func u16(_ o: Int) -> Int { Int(d[o]) | Int(d[o + 1]) << 8 }
        func u32(_ o: Int) -> Int { u16(o) | u16(o + 2) << 16 }
        func le(_ v: Int, _ bytes: Int) -> [UInt8] { (0..<bytes).map { UInt8(truncatingIfNeeded: v >> (8 * $0)) } }
        guard d.count >= 8, d[0] == 0x49, d[1] == 0x49, u16(2) == 42 else {
            throw ReticleError(.unsupported, file: path, "not a little-endian classic TIFF")
        }
        var pointer = 4, ifd = u32(4), page = 0
        while ifd != 0 {
            guard ifd + 2 <= d.count, ifd + 6 + 12 * u16(ifd) <= d.count, page < 64 else {
                throw ReticleError(.corrupt, file: path, "IFD \(page) lies outside the file")
            }
            let n = u16(ifd), next = u32(ifd + 2 + 12 * n)
            if page == 0 {
                pointer = ifd + 2 + 12 * n
            } else {
                var entries = (0..<n).map { Array(d[(ifd + 2 + 12 * $0)..<(ifd + 14 + 12 * $0)]) }.filter { Int($0[0]) | Int($0[1]) << 8 != 254 }
                entries.append(le(254, 2) + le(4, 2) + le(1, 4) + le(1, 4))
                entries.sort { (Int($0[0]) | Int($0[1]) << 8) < (Int($1[0]) | Int($1[1]) << 8) }
                if d.count % 2 == 1 { d.append(0) }
                let at = d.count
                d += le(entries.count, 2) + entries.flatMap { $0 } + le(next, 4)
                d.replaceSubrange(pointer..<(pointer + 4), with: le(at, 4))
                pointer = at + 2 + 12 * entries.count
            }
            ifd = next
            page += 1
        }
        try Data(d).write(to: URL(fileURLWithPath: path))
    }
}
