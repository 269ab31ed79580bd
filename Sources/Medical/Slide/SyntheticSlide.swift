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

    /// The pyramid: level 0, then each level half the previous (area-averaged) while a tile fits.
    public func pyramid() throws -> [Image] {
        var pages = [render()]
        while pages.count < levels {
            let last = pages[pages.count - 1]
            guard last.width / 2 >= tileSize, last.height / 2 >= tileSize else { break }
            pages.append(try Resampler.resample(last, width: last.width / 2, height: last.height / 2))
        }
        return pages
    }

    /// Writes the pyramid to `path` as a tiled TIFF.
    public func write(to path: String) throws {
        try ImageFile.write(pages: try pyramid(), to: path, options: ImageWriteOptions(tiffCompression: .deflate, tiffTileSize: tileSize))
        try Self.markReducedResolutionPages(path)
    }

    /// Writes the same pyramid as a DICOM whole-slide image in `folder` (level-<i>.dcm and a
    /// thumbnail.dcm). TILED_SPARSE keeps only tiles that touch tissue or the pen stroke, as a
    /// scanner skips glass; the reader shows the skipped tiles white.
    @discardableResult
    public func writeDICOM(to folder: String, tiling: DicomSlideWriter.Tiling = .full, jpegQuality: Int = 0) throws -> [String] {
        let pages = try pyramid()
        var writer = DicomSlideWriter()
        writer.tileSize = tileSize
        writer.tiling = tiling
        writer.jpegQuality = jpegQuality
        writer.umPerPixel = umPerPixel
        let last = pages[pages.count - 1]
        let thumbnail = try Resampler.resample(last, width: max(1, last.width / 2), height: max(1, last.height / 2))
        return try writer.write(pages: pages, thumbnail: thumbnail, to: folder) { level, column, row in
            let scale = Double(width) / Double(pages[level].width), side = Double(tileSize) * scale
            let x0 = Int(Double(column) * side), y0 = Int(Double(row) * side)
            for y in stride(from: y0, to: min(height, y0 + Int(side)), by: 4) {
                for x in stride(from: x0, to: min(width, x0 + Int(side)), by: 4) where region(x: x, y: y) != .glass { return true }
            }
            return false
        }
    }

    /// Writes the slide as a JPEG-compressed pyramidal BigTIFF tile by tile, never holding more
    /// than a row of tiles: for slides far larger than memory (the 50k × 50k benchmark slide).
    /// Pixels come from `streamedPixel`, a procedural rendering of the same layout (hashed noise and
    /// nuclei, so any tile renders on its own); lower levels sample it at each pixel's centre.
    public func writeStreamed(to path: String, jpegQuality: Int = 80, workers: Int = ProcessInfo.processInfo.activeProcessorCount) throws {
        let writer = try TiledTIFFWriter(path: path)
        var level = 0
        while level < levels {
            let w = width >> level, h = height >> level
            guard level == 0 || (w >= tileSize && h >= tileSize) else { break }
            try writer.beginPage(width: w, height: h, tileSize: tileSize, compression: .jpeg, jpegQuality: jpegQuality,
                                 umPerPixel: resolutionTags ? umPerPixel * Double(1 << level) : nil)
            let across = (w + tileSize - 1) / tileSize, down = (h + tileSize - 1) / tileSize
            for row in 0..<down {
                // One row of tiles rendered in parallel, then written in order.
                let tiles = try parallelMap(count: across, workers: workers) { column in
                    renderTile(level: level, x: column * tileSize, y: row * tileSize, levelWidth: w, levelHeight: h)
                }
                for (column, rgb) in tiles.enumerated() { try writer.writeTile(x: column * tileSize, y: row * tileSize, rgb: rgb) }
            }
            try writer.finishPage()
            level += 1
        }
        try writer.close()
    }

    /// One `tileSize` tile of `level` whose top-left pixel is (`x`, `y`), padded white past the edge.
    func renderTile(level: Int, x: Int, y: Int, levelWidth: Int, levelHeight: Int) -> [UInt8] {
        var rgb = [UInt8](repeating: 255, count: tileSize * tileSize * 3)
        let scale = 1 << level, half = scale / 2
        for ty in 0..<min(tileSize, levelHeight - y) {
            for tx in 0..<min(tileSize, levelWidth - x) {
                let p = streamedPixel(x: (x + tx) * scale + half, y: (y + ty) * scale + half)
                let i = 3 * (ty * tileSize + tx)
                rgb[i] = p.0; rgb[i + 1] = p.1; rgb[i + 2] = p.2
            }
        }
        return rgb
    }

    /// Level-0 pixel (x, y) of the procedural rendering: the region's colour with hashed noise,
    /// and a nucleus per cell (sparse small ones in normal tissue, large ones in every tumour cell).
    func streamedPixel(x: Int, y: Int) -> (UInt8, UInt8, UInt8) {
        func hash(_ a: Int, _ b: Int, _ salt: UInt64) -> UInt64 {
            var z = seed &+ salt &+ UInt64(bitPattern: Int64(a)) &* 0x9E37_79B9_7F4A_7C15 &+ UInt64(bitPattern: Int64(b)) &* 0xC2B2_AE3D_27D4_EB4F
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
        let kind = region(x: x, y: y)
        let base: (Int, Int, Int)
        switch kind {
        case .glass: base = (242, 240, 244)
        case .normal: base = (232, 168, 200)
        case .tumour: base = (196, 130, 190)
        case .pen: base = (40, 150, 70)
        }
        if kind == .normal || kind == .tumour {
            let cell = kind == .tumour ? 16 : 30
            let cx = x / cell, cy = y / cell
            let h = hash(cx, cy, kind == .tumour ? 1 : 2)
            let r = kind == .tumour ? 5 + Int(h % 3) : 3
            let present = kind == .tumour || (h >> 8) % 4 != 0
            let nx = cx * cell + r + Int((h >> 16) % UInt64(cell - 2 * r)), ny = cy * cell + r + Int((h >> 32) % UInt64(cell - 2 * r))
            if present, (x - nx) * (x - nx) + (y - ny) * (y - ny) <= r * r {
                return kind == .tumour ? (70, 30, 120) : (110, 60, 150)
            }
        }
        let n = Int(hash(x, y, 3) % 13) - 6
        return (UInt8(clamping: base.0 + n), UInt8(clamping: base.1 + n), UInt8(clamping: base.2 + n))
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
