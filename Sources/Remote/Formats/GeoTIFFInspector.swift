// `reticle inspect` for GeoTIFF rasters: size, bands, sample type, layout, compression,
// georeferencing (geotransform, EPSG, GeoKey count) and no-data. A TIFF is a GeoTIFF here when
// its first directory holds a georeferencing tag; plain TIFFs stay with the image inspector.

import Foundation
import Shared

public struct GeoTIFFInspector: FileInspector {
    public let kind = "geotiff"

    public init() {}

    static let geoTags: Set<UInt16> = [33550, 33922, 34264, 34735]

    public func recognizes(path: String, header: [UInt8]) -> Bool {
        guard header.count >= 8, header.starts(with: [0x49, 0x49]) || header.starts(with: [0x4D, 0x4D]) else { return false }
        guard let r = try? ByteReader.open(path) else { return false }
        return (try? TIFFDirectory(r).tags.contains { Self.geoTags.contains($0) }) ?? false
    }

    /// Keys: kind, format, width, height, bands, data_type, compression, tiled, tile_width,
    /// tile_height, planar, pages, geotransform, epsg, pixel_is_point, geokey_count, citation, no_data.
    public func inspect(path: String, options: InspectOptions) throws -> JSONObject {
        let info = try GeoTIFFReader.info(path)
        let ref = info.geoReference
        var o = JSONObject()
        o["kind"] = .string(kind)
        o["format"] = "GeoTIFF"
        o["width"] = .int(info.width)
        o["height"] = .int(info.height)
        o["bands"] = .int(info.bands)
        o["data_type"] = .string(info.sampleType.name)
        o["compression"] = .string(info.compression)
        o["tiled"] = .bool(info.tiled)
        o["tile_width"] = info.tiled ? .int(info.tileWidth) : .null
        o["tile_height"] = info.tiled ? .int(info.tileHeight) : .null
        o["planar"] = .string(info.planarConfiguration == 2 ? "band" : "pixel")
        o["pages"] = .int(info.pages)
        o["geotransform"] = ref.transform.map { .array($0.coefficients.map { .number($0) }) } ?? .null
        o["epsg"] = ref.epsg.map { .int($0) } ?? .null
        o["pixel_is_point"] = .bool(ref.pixelIsPoint)
        o["geokey_count"] = .int(ref.keyCount)
        o["citation"] = ref.textKey(.citation).map { .string($0) } ?? ref.textKey(.projectionCitation).map { .string($0) } ?? .null
        o["no_data"] = info.noData.map { .string($0) } ?? .null
        return o
    }
}
