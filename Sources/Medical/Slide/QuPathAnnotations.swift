// Annotated regions from a QuPath GeoJSON export (File > Export objects as GeoJSON): a
// FeatureCollection (or a bare array of Features, or one Feature) whose Polygon and
// MultiPolygon geometries carry `properties.classification.name`; coordinates are level-0
// pixels. Other geometries (points, lines) and unclassified shapes are counted and left out.
// Every malformed feature is an error naming the file and the feature.

import Foundation
import Shared

public struct QuPathAnnotations: Sendable {
    public struct Annotation: Sendable {
        public var className: String
        public var region: PolygonRegion
    }

    public var annotations: [Annotation]
    /// Features left out: not a polygon, or with no class.
    public var skipped: Int

    /// Vertices per file; a real annotation export is far below it.
    static let maximumVertices = 20_000_000

    public init(path: String) throws {
        let data: Data
        do { data = try Data(contentsOf: URL(fileURLWithPath: path)) } catch { throw ReticleError(.io, file: path, "cannot read the GeoJSON file") }
        let json: JSONValue
        do { json = try JSONValue.parse(data) } catch { throw ReticleError(.corrupt, file: path, "not JSON: \(error)") }
        let features: [JSONValue]
        if json["type"] == "FeatureCollection" {
            guard let f = json["features"]?.arrayValue else { throw ReticleError(.corrupt, file: path, "a FeatureCollection without a features array") }
            features = f
        } else if let f = json.arrayValue {
            features = f
        } else if json["type"] == "Feature" {
            features = [json]
        } else {
            throw ReticleError(.corrupt, file: path, "not GeoJSON: expected a FeatureCollection, a Feature or an array of Features")
        }
        var out: [Annotation] = []
        var skipped = 0, vertices = 0
        for (n, feature) in features.enumerated() {
            func bad(_ reason: String) -> ReticleError { ReticleError(.corrupt, file: path, "feature \(n): \(reason)") }
            guard feature["type"] == "Feature", let geometry = feature["geometry"]?.objectValue else { throw bad("not a Feature with a geometry") }
            guard let name = feature["properties"]?["classification"]?["name"]?.stringValue, !name.isEmpty else { skipped += 1; continue }
            let polygons: [JSONValue]
            switch geometry["type"]?.stringValue {
            case "Polygon": polygons = [geometry["coordinates"] ?? .null]
            case "MultiPolygon":
                guard let list = geometry["coordinates"]?.arrayValue else { throw bad("MultiPolygon without coordinates") }
                polygons = list
            default: skipped += 1; continue
            }
            for polygon in polygons {
                guard let ringsJSON = polygon.arrayValue, !ringsJSON.isEmpty else { throw bad("a polygon needs at least its outline ring") }
                var rings: [[(x: Double, y: Double)]] = []
                for ring in ringsJSON {
                    guard let points = ring.arrayValue else { throw bad("a ring is not an array of positions") }
                    var r: [(x: Double, y: Double)] = []
                    for p in points {
                        guard let xy = p.arrayValue, xy.count >= 2, let x = xy[0].doubleValue, let y = xy[1].doubleValue, x.isFinite, y.isFinite else {
                            throw bad("a position is not [x, y] in numbers")
                        }
                        r.append((x, y))
                    }
                    if r.count > 1, r.first! == r.last! { r.removeLast() }
                    guard r.count >= 3 else { throw bad("a ring has fewer than three distinct vertices") }
                    vertices += r.count
                    guard vertices <= Self.maximumVertices else { throw ReticleError(.unsupported, file: path, "more than \(Self.maximumVertices) vertices") }
                    rings.append(r)
                }
                out.append(Annotation(className: name, region: PolygonRegion(outline: rings[0], holes: Array(rings.dropFirst()))))
            }
        }
        annotations = out
        self.skipped = skipped
    }

    /// The index of the annotation covering a tile (level-0 rectangle): by its centre, or by at
    /// least half its area; where annotations overlap the smallest wins (a tumour outline drawn
    /// inside a tissue outline labels its own tiles). Nil when none covers it.
    public func covering(x: Int, y: Int, width: Int, height: Int, byArea: Bool) -> Int? {
        var best: (area: Double, index: Int)?
        for (i, a) in annotations.enumerated() {
            let hit = byArea
                ? a.region.coverage(x: Double(x), y: Double(y), width: Double(width), height: Double(height)) >= 0.5
                : a.region.contains(x: Double(x) + Double(width) / 2, y: Double(y) + Double(height) / 2)
            if hit, best == nil || a.region.area < best!.area { best = (a.region.area, i) }
        }
        return best?.index
    }
}
