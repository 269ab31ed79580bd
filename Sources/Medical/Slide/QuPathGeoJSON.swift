// Tile predictions as GeoJSON that QuPath imports (File > Import objects): a FeatureCollection,
// one Polygon per tile in level-0 pixel coordinates, `objectType` "detection",
// `classification` {name, color [r, g, b]} and the class probabilities (and, with a MIL model,
// the attention weight) as `measurements`.

import Foundation
import Shared

public enum QuPathGeoJSON {
    /// Distinct colours for up to eight classes, then repeated.
    static let palette: [[Int]] = [[0, 153, 0], [204, 0, 0], [0, 102, 204], [230, 153, 0],
                                   [153, 51, 204], [0, 179, 179], [204, 0, 153], [102, 102, 102]]

    public static func featureCollection(_ table: TileScoreTable) -> JSONValue {
        .object(["type": "FeatureCollection", "features": .array(table.rows.map { feature($0, classes: table.classes) })])
    }

    /// Writes `featureCollection(table)`'s text to `url` (atomically) one feature at a time: a
    /// 50k × 50k slide has some 180,000 tiles, whose JSON tree alone would take hundreds of MB.
    public static func write(_ table: TileScoreTable, to url: URL) throws {
        try AtomicFile.write(to: url) { tmp in
            guard FileManager.default.createFile(atPath: tmp.path, contents: nil), let h = FileHandle(forWritingAtPath: tmp.path) else {
                throw ReticleError(.io, file: url.path, "cannot create the file")
            }
            defer { try? h.close() }
            var buffer = "{\"type\":\"FeatureCollection\",\"features\":["
            for (i, row) in table.rows.enumerated() {
                if i > 0 { buffer += "," }
                buffer += feature(row, classes: table.classes).serialized()
                if buffer.utf8.count >= 1 << 20 {
                    try h.write(contentsOf: Data(buffer.utf8))
                    buffer = ""
                }
            }
            buffer += "]}\n"
            try h.write(contentsOf: Data(buffer.utf8))
        }
    }

    static func feature(_ row: TileScoreTable.Row, classes: [String]) -> JSONValue {
        let t = row.tile
        let ring: [JSONValue] = [[t.x, t.y], [t.x + t.width, t.y], [t.x + t.width, t.y + t.height], [t.x, t.y + t.height], [t.x, t.y]]
            .map { .array($0.map(JSONValue.int)) }
        var measurements = JSONObject()
        for (c, name) in classes.enumerated() { measurements["p_" + name] = .number((row.probabilities[c] * 1e6).rounded() / 1e6) }
        if let a = row.attention { measurements["attention"] = .number((a * 1e8).rounded() / 1e8) }
        measurements["tissue_fraction"] = .number((t.tissueFraction * 1e4).rounded() / 1e4)
        let label = row.label
        let properties: JSONObject = [
            "objectType": "detection",
            "name": .string("tile \(t.index)"),
            "classification": .object(["name": .string(classes[label]),
                                       "color": .array(palette[label % palette.count].map(JSONValue.int))]),
            "measurements": .object(measurements),
        ]
        return .object(["type": "Feature", "id": .string("tile-\(t.index)"),
                        "geometry": .object(["type": "Polygon", "coordinates": .array([.array(ring)])]),
                        "properties": .object(properties)])
    }
}
