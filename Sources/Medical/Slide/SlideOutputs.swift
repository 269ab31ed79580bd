// The files one slide leaves under OUT/slides/<id>/: tiles.csv, tiles.geojson (QuPath),
// thumbnail.png, tissue.png (mask over the thumbnail), heatmap.png and, with a MIL model,
// attention.png; and re-rendering the heatmaps of a finished run from tiles.csv and
// thumbnail.png alone.

import Foundation
import Shared

public struct SlideOutputs: Sendable {
    public let folder: URL

    public init(outDir: URL, itemID: String) {
        folder = outDir.appendingPathComponent("slides").appendingPathComponent(itemID)
    }

    public var tilesCSV: URL { folder.appendingPathComponent("tiles.csv") }
    public var geoJSON: URL { folder.appendingPathComponent("tiles.geojson") }
    public var thumbnail: URL { folder.appendingPathComponent("thumbnail.png") }
    public var tissue: URL { folder.appendingPathComponent("tissue.png") }
    public var heatmap: URL { folder.appendingPathComponent("heatmap.png") }
    public var attentionMap: URL { folder.appendingPathComponent("attention.png") }

    /// Writes every file (each atomically) and returns their paths relative to the output folder.
    public func write(table: TileScoreTable, tissue mask: TissueMask, heatmapClass: Int, opacity: Float = 0.5) throws -> JSONObject {
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        try AtomicFile.write(table.csv, to: tilesCSV)
        try QuPathGeoJSON.write(table, to: geoJSON)
        try ImageFile.write(mask.thumbnail, to: thumbnail.path)
        try ImageFile.write(mask.overlay, to: tissue.path)
        let map = SlideHeatmap(opacity: opacity).render(thumbnail: mask.thumbnail, downsample: mask.downsample, scores: table, classIndex: heatmapClass)
        try ImageFile.write(map, to: heatmap.path)
        let base = folder.deletingLastPathComponent().deletingLastPathComponent().path + "/"
        func rel(_ u: URL) -> JSONValue { .string(u.path.hasPrefix(base) ? String(u.path.dropFirst(base.count)) : u.path) }
        var files: JSONObject = ["tiles_csv": rel(tilesCSV), "geojson": rel(geoJSON), "thumbnail": rel(thumbnail), "tissue_mask": rel(tissue), "heatmap": rel(heatmap)]
        if let attention = SlideHeatmap(opacity: opacity).renderAttention(thumbnail: mask.thumbnail, downsample: mask.downsample, scores: table) {
            try ImageFile.write(attention, to: attentionMap.path)
            files["attention_heatmap"] = rel(attentionMap)
        }
        return files
    }

    /// Redraws heatmap.png of every finished slide in `outDir` for `className` (nil: the class
    /// each run chose) from its tiles.csv and thumbnail.png; the model is not needed. With
    /// `attention`, redraws attention.png from the tiles' MIL attention instead (an error when
    /// the run had no MIL model). Returns how many were drawn.
    public static func rerenderHeatmaps(outDir: URL, className: String?, opacity: Float, attention: Bool = false) throws -> Int {
        let records = try ItemStore(outDir: outDir, create: false).allRecords().records.filter { $0.status == .ok }
        var drawn = 0
        for record in records {
            guard let downsample = record.result["thumbnail_downsample"]?.doubleValue else { continue }
            let out = SlideOutputs(outDir: outDir, itemID: record.id)
            guard FileManager.default.fileExists(atPath: out.tilesCSV.path) else { continue }
            let table = try TileScoreTable(csv: try String(contentsOf: out.tilesCSV, encoding: .utf8), file: out.tilesCSV.path)
            if attention {
                guard table.hasAttention || table.rows.isEmpty else {
                    throw ReticleError(.usage, file: out.tilesCSV.path, "no attention column: the run had no MIL model (med slides --mil MIL --aggregation attention)")
                }
                let thumbnail = try ImageFile.read(path: out.thumbnail.path)
                guard let map = SlideHeatmap(opacity: opacity).renderAttention(thumbnail: thumbnail, downsample: downsample, scores: table) else { continue }
                try ImageFile.write(map, to: out.attentionMap.path)
                drawn += 1
                continue
            }
            let name = className ?? record.result["heatmap_class"]?.stringValue ?? table.classes.last ?? ""
            guard let index = table.classes.firstIndex(of: name) else {
                throw ReticleError(.usage, file: out.tilesCSV.path, "no class \"\(name)\" (classes: \(table.classes.joined(separator: ", ")))")
            }
            let thumbnail = try ImageFile.read(path: out.thumbnail.path)
            let map = SlideHeatmap(opacity: opacity).render(thumbnail: thumbnail, downsample: downsample, scores: table, classIndex: index)
            try ImageFile.write(map, to: out.heatmap.path)
            drawn += 1
        }
        return drawn
    }
}
