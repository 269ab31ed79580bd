// Labelled tiles for `med train-tiles`, from a folder with one sub-folder of tile images per
// class, a CSV of labelled rectangles on slides (slide,x,y,width,height,label in level-0
// pixels; slide paths relative to the CSV), cut into tiles at the model's scale, or a CSV of
// slides with QuPath GeoJSON annotations (slide,geojson; an empty geojson means the .geojson
// beside the slide), whose polygons label the tiles whose centre (or half the area) they cover.

import Foundation
import Shared

public struct TileDataset: Sendable {
    public var classes: [String]
    /// RGB uint8 tiles, `tileSize` square.
    public var tiles: [Image]
    public var labels: [Int]
    /// Split groups (a region, a class folder file), so no region sits on both sides of a split.
    public var groups: [String]
    /// "folders", "regions" or "annotations".
    public var source: String

    /// Which tiles an annotation polygon labels.
    public enum RegionRule: String, Codable, Sendable, CaseIterable {
        /// The tile's centre lies inside the polygon.
        case centre
        /// At least half the tile's area lies inside.
        case area
    }

    static let imageExtensions: Set<String> = ["png", "jpg", "jpeg", "tif", "tiff", "bmp"]

    /// Loads `path`: a folder of class folders or a regions CSV.
    public static func load(_ path: String, tileSize: Int, umPerPixel: Double, fallbackMpp: Double?, regionRule: RegionRule = .centre) throws -> TileDataset {
        var isDir: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDir) else { throw ReticleError(.io, file: path, "no such file or folder") }
        let d = isDir.boolValue ? try folders(path, tileSize: tileSize)
            : try isAnnotationList(path) ? try annotations(path, tileSize: tileSize, umPerPixel: umPerPixel, fallbackMpp: fallbackMpp, rule: regionRule)
            : try regions(path, tileSize: tileSize, umPerPixel: umPerPixel, fallbackMpp: fallbackMpp)
        guard d.classes.count >= 2 else { throw ReticleError(.usage, file: path, "training needs at least two classes, found \(d.classes.count)") }
        for (c, name) in d.classes.enumerated() where !d.labels.contains(c) {
            throw ReticleError(.usage, file: path, "class \"\(name)\" has no tiles")
        }
        return d
    }

    static func folders(_ root: String, tileSize: Int) throws -> TileDataset {
        let fm = FileManager.default
        let classes = try fm.contentsOfDirectory(atPath: root).filter { name in
            var d: ObjCBool = false
            return !name.hasPrefix(".") && fm.fileExists(atPath: root + "/" + name, isDirectory: &d) && d.boolValue
        }.sorted()
        var out = TileDataset(classes: classes, tiles: [], labels: [], groups: [], source: "folders")
        for (c, name) in classes.enumerated() {
            let files = try fm.contentsOfDirectory(atPath: root + "/" + name)
                .filter { imageExtensions.contains(($0 as NSString).pathExtension.lowercased()) }.sorted()
            for f in files {
                let path = root + "/" + name + "/" + f
                out.tiles.append(try rgbTile(try ImageFile.read(path: path), size: tileSize, file: path))
                out.labels.append(c)
                out.groups.append(path)
            }
        }
        return out
    }

    static func regions(_ csvPath: String, tileSize: Int, umPerPixel: Double, fallbackMpp: Double?) throws -> TileDataset {
        let text: String
        do { text = try String(contentsOfFile: csvPath, encoding: .utf8) } catch { throw ReticleError(.io, file: csvPath, "not readable as UTF-8 text") }
        let lines = text.split(whereSeparator: \.isNewline).map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
        let header = lines.first?.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces).lowercased() } ?? []
        guard header == ["slide", "x", "y", "width", "height", "label"] else {
            throw ReticleError(.corrupt, file: csvPath, "a regions CSV starts with the header slide,x,y,width,height,label")
        }
        struct Region { let slide: String; let x, y, w, h: Int; let label: String; let line: Int }
        var regions: [Region] = []
        for (n, line) in lines.dropFirst().enumerated() {
            let f = line.split(separator: ",", omittingEmptySubsequences: false).map { $0.trimmingCharacters(in: .whitespaces) }
            let ints = f.count == 6 ? f[1...4].compactMap { Int($0) } : []
            guard f.count == 6, ints.count == 4, ints[2] > 0, ints[3] > 0, !f[0].isEmpty, !f[5].isEmpty else {
                throw ReticleError(.corrupt, file: csvPath, "line \(n + 2): expected slide,x,y,width,height,label with whole positive sizes")
            }
            regions.append(Region(slide: f[0], x: ints[0], y: ints[1], w: ints[2], h: ints[3], label: f[5], line: n + 2))
        }
        let classes = Array(Set(regions.map(\.label))).sorted()
        var out = TileDataset(classes: classes, tiles: [], labels: [], groups: [], source: "regions")
        let base = (csvPath as NSString).deletingLastPathComponent
        var opened: [String: SlideTiler] = [:]
        for r in regions {
            let path = r.slide.hasPrefix("/") ? r.slide : (base as NSString).appendingPathComponent(r.slide)
            let tiler: SlideTiler
            if let t = opened[path] { tiler = t } else {
                tiler = try SlideTiler(slide: try Slide(path: path, fallbackMpp: fallbackMpp), umPerPixel: umPerPixel, tileSize: tileSize)
                opened[path] = tiler
            }
            let tiles = tiler.tiles(inside: r.x, r.y, r.w, r.h)
            guard !tiles.isEmpty else {
                throw ReticleError(.usage, file: csvPath, "line \(r.line): the region holds no whole \(tileSize)-pixel tile at \(umPerPixel) µm/px")
            }
            for t in tiles {
                out.tiles.append(try tiler.read(t))
                out.labels.append(classes.firstIndex(of: r.label)!)
                out.groups.append("\(r.slide)#\(r.line)")
            }
        }
        return out
    }

    static func csvLines(_ path: String) throws -> [String] {
        let text: String
        do { text = try String(contentsOfFile: path, encoding: .utf8) } catch { throw ReticleError(.io, file: path, "not readable as UTF-8 text") }
        return text.split(whereSeparator: \.isNewline).map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
    }

    static func isAnnotationList(_ path: String) throws -> Bool {
        let header = try csvLines(path).first?.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces).lowercased() }
        return header == ["slide", "geojson"]
    }

    static func annotations(_ csvPath: String, tileSize: Int, umPerPixel: Double, fallbackMpp: Double?, rule: RegionRule) throws -> TileDataset {
        let base = (csvPath as NSString).deletingLastPathComponent
        func resolve(_ p: String) -> String { p.hasPrefix("/") ? p : (base as NSString).appendingPathComponent(p) }
        var pairs: [(slide: String, geojson: String, line: Int)] = []
        for (n, line) in try csvLines(csvPath).dropFirst().enumerated() {
            let f = line.split(separator: ",", omittingEmptySubsequences: false).map { $0.trimmingCharacters(in: .whitespaces) }
            guard (1...2).contains(f.count), !f[0].isEmpty else { throw ReticleError(.corrupt, file: csvPath, "line \(n + 2): expected slide,geojson") }
            let slide = resolve(f[0])
            let geojson = f.count == 2 && !f[1].isEmpty ? resolve(f[1]) : (slide as NSString).deletingPathExtension + ".geojson"
            pairs.append((slide, geojson, n + 2))
        }
        var labelled: [(tile: SlideTile, tiler: SlideTiler, label: String, group: String)] = []
        for p in pairs {
            let shapes = try QuPathAnnotations(path: p.geojson)
            let tiler = try SlideTiler(slide: try Slide(path: p.slide, fallbackMpp: fallbackMpp), umPerPixel: umPerPixel, tileSize: tileSize)
            var found = 0
            for t in tiler.tiles(mask: nil, minTissue: 0) {
                guard let i = shapes.covering(x: t.x, y: t.y, width: t.width, height: t.height, byArea: rule == .area) else { continue }
                labelled.append((t, tiler, shapes.annotations[i].className, "\(p.slide)#\(i)"))
                found += 1
            }
            guard found > 0 else {
                throw ReticleError(.usage, file: p.geojson, "no \(tileSize)-pixel tile at \(umPerPixel) µm/px has its \(rule == .area ? "area" : "centre") inside a classified polygon (coordinates are level-0 pixels)")
            }
        }
        let classes = Array(Set(labelled.map(\.label))).sorted()
        var out = TileDataset(classes: classes, tiles: [], labels: [], groups: [], source: "annotations")
        for l in labelled {
            out.tiles.append(try l.tiler.read(l.tile))
            out.labels.append(classes.firstIndex(of: l.label)!)
            out.groups.append(l.group)
        }
        return out
    }

    /// Any image as an RGB uint8 `size`-square tile.
    static func rgbTile(_ image: Image, size: Int, file: String, keepSize: Bool = false) throws -> Image {
        let u8 = image.converted(to: .uint8)
        guard case .uint8(let px) = u8.storage else { preconditionFailure() }
        var rgb = [UInt8](repeating: 0, count: u8.width * u8.height * 3)
        for i in 0..<(u8.width * u8.height) {
            for c in 0..<3 { rgb[3 * i + c] = u8.channels >= 3 ? px[i * u8.channels + c] : px[i * u8.channels] }
        }
        let tile = Image(width: u8.width, height: u8.height, channels: 3, storage: .uint8(rgb))
        guard tile.width >= 1, tile.height >= 1 else { throw ReticleError(.corrupt, file: file, "empty image") }
        return keepSize || (tile.width == size && tile.height == size) ? tile : try Resampler.resample(tile, width: size, height: size)
    }
}
