// A raster's georeferencing as GeoTIFF stores it: ModelPixelScale, ModelTiepoint or
// ModelTransformation, and the GeoKey directory with its double and ASCII parameters. Kept
// verbatim so a classification map carries its input's georeferencing unchanged; converted
// to and from ENVI `map info` for the cases both can express (UTM/WGS-84, lat/lon, arbitrary).

import Foundation
import Shared

public struct GeoReference: Equatable, Sendable, Codable {
    /// ModelPixelScaleTag (33550): ScaleX, ScaleY, ScaleZ.
    public var pixelScale: [Double] = []
    /// ModelTiepointTag (33922): (I, J, K, X, Y, Z) per tie point.
    public var tiepoints: [Double] = []
    /// ModelTransformationTag (34264): a 4 × 4 row-major matrix, or empty.
    public var transformation: [Double] = []
    /// GeoKeyDirectoryTag (34735): a 4-short header, then 4 shorts per key.
    public var geoKeys: [UInt16] = []
    /// GeoDoubleParamsTag (34736).
    public var doubleParams: [Double] = []
    /// GeoAsciiParamsTag (34737), '|'-terminated strings.
    public var asciiParams: String = ""

    public init() {}

    public var isEmpty: Bool { pixelScale.isEmpty && tiepoints.isEmpty && transformation.isEmpty && geoKeys.isEmpty }

    // MARK: - GeoKeys

    public enum Key: UInt16 {
        case modelType = 1024, rasterType = 1025, citation = 1026
        case geographicType = 2048, projectedType = 3072, projectionCitation = 3073, linearUnits = 3076
    }

    /// Number of keys the directory holds (its header's fourth short).
    public var keyCount: Int { geoKeys.count >= 4 ? Int(geoKeys[3]) : 0 }

    /// A short-valued key stored in the directory itself (location 0), or nil.
    public func shortKey(_ key: Key) -> Int? {
        for i in 0..<keyCount {
            let o = 4 + 4 * i
            guard o + 3 < geoKeys.count else { return nil }
            if geoKeys[o] == key.rawValue, geoKeys[o + 1] == 0 { return Int(geoKeys[o + 3]) }
        }
        return nil
    }

    /// An ASCII key (location 34737) with its trailing '|' removed, or nil.
    public func textKey(_ key: Key) -> String? {
        let bytes = Array(asciiParams.utf8)
        for i in 0..<keyCount {
            let o = 4 + 4 * i
            guard o + 3 < geoKeys.count else { return nil }
            guard geoKeys[o] == key.rawValue, geoKeys[o + 1] == 34737 else { continue }
            let count = Int(geoKeys[o + 2]), start = Int(geoKeys[o + 3])
            guard start >= 0, count >= 0, start + count <= bytes.count else { return nil }
            var text = String(decoding: bytes[start..<(start + count)], as: UTF8.self)
            if text.hasSuffix("|") { text.removeLast() }
            return text
        }
        return nil
    }

    /// The EPSG code of the projected or geographic coordinate system, when the keys give one (32767 = user-defined).
    public var epsg: Int? {
        if let p = shortKey(.projectedType), p != 32767 { return p }
        if shortKey(.modelType) == 2, let g = shortKey(.geographicType), g != 32767 { return g }
        return nil
    }

    /// GTRasterTypeGeoKey = 2: tie points name pixel centres instead of corners.
    public var pixelIsPoint: Bool { shortKey(.rasterType) == 2 }

    // MARK: - Geotransform

    /// The affine transform GDAL derives from these tags (pixel-is-point shifted by half a pixel, as GDAL does).
    public var transform: GeoTransform? {
        var t: GeoTransform
        if transformation.count == 16 {
            let m = transformation
            t = GeoTransform(originX: m[3], pixelWidth: m[0], rowRotation: m[1], originY: m[7], columnRotation: m[4], pixelHeight: m[5])
        } else if pixelScale.count >= 2, tiepoints.count >= 6 {
            let (sx, sy) = (pixelScale[0], pixelScale[1])
            t = GeoTransform(originX: tiepoints[3] - tiepoints[0] * sx, pixelWidth: sx,
                             originY: tiepoints[4] + tiepoints[1] * sy, pixelHeight: -sy)
        } else {
            return nil
        }
        if pixelIsPoint {
            let corner = t.map(column: -0.5, row: -0.5)
            t.originX = corner.x
            t.originY = corner.y
        }
        return t
    }

    /// Tags for a north-up transform and a coordinate system (EPSG code, or user-defined with a citation).
    public init(transform t: GeoTransform, epsg: Int?, geographic: Bool = false, citation: String? = nil) {
        if t.isNorthUp {
            pixelScale = [t.pixelWidth, -t.pixelHeight, 0]
            tiepoints = [0, 0, 0, t.originX, t.originY, 0]
        } else {
            transformation = [t.pixelWidth, t.rowRotation, 0, t.originX, t.columnRotation, t.pixelHeight, 0, t.originY,
                              0, 0, 0, 0, 0, 0, 0, 1]
        }
        var keys: [(UInt16, UInt16, UInt16, UInt16)] = [
            (Key.modelType.rawValue, 0, 1, geographic ? 2 : 1),
            (Key.rasterType.rawValue, 0, 1, 1),
        ]
        var ascii = ""
        if let citation, !citation.isEmpty {
            let text = citation.replacingOccurrences(of: "|", with: "/") + "|"
            keys.append((Key.citation.rawValue, 34737, UInt16(text.utf8.count), 0))
            ascii = text
        }
        if geographic {
            keys.append((Key.geographicType.rawValue, 0, 1, UInt16(clamping: epsg ?? 32767)))
        } else {
            keys.append((Key.projectedType.rawValue, 0, 1, UInt16(clamping: epsg ?? 32767)))
            keys.append((Key.linearUnits.rawValue, 0, 1, 9001))  // metre
        }
        keys.sort { $0.0 < $1.0 }  // the specification requires ascending key IDs
        geoKeys = [1, 1, 0, UInt16(keys.count)] + keys.flatMap { [$0.0, $0.1, $0.2, $0.3] }
        asciiParams = ascii
    }

    /// ENVI map info → GeoTIFF tags: UTM on WGS-84 becomes EPSG 326zz/327zz, WGS-84 lat/lon EPSG 4326;
    /// anything else is user-defined with the projection named in the citation.
    public init(mapInfo m: MapInfo) {
        let t = GeoTransform(mapInfo: m)
        let datum = (m.datum ?? "").uppercased().replacingOccurrences(of: " ", with: "")
        let wgs84 = datum.isEmpty || datum.contains("WGS-84") || datum.contains("WGS84")
        if m.projection.uppercased() == "UTM", wgs84, let zone = m.zone, (1...60).contains(zone) {
            let south = (m.hemisphere ?? "North").lowercased().hasPrefix("s")
            self.init(transform: t, epsg: (south ? 32700 : 32600) + zone, citation: "WGS 84 / UTM zone \(zone)\(south ? "S" : "N")")
        } else if m.projection.lowercased().hasPrefix("geographic"), wgs84 {
            self.init(transform: t, epsg: 4326, geographic: true, citation: "WGS 84")
        } else {
            self.init(transform: t, epsg: nil, citation: m.projection)
        }
    }

    /// The ENVI map info these tags express (north-up only).
    public var mapInfo: MapInfo? {
        guard let t = transform else { return nil }
        if let code = epsg, (32601...32660).contains(code) || (32701...32760).contains(code) {
            return t.mapInfo(projection: "UTM", zone: code % 100, hemisphere: code < 32700 ? "North" : "South",
                             datum: "WGS-84", units: "Meters")
        }
        if epsg == 4326 { return t.mapInfo(projection: "Geographic Lat/Lon", datum: "WGS-84", units: "Degrees") }
        return t.mapInfo(projection: textKey(.citation) ?? "Arbitrary")
    }
}
