// The affine map from pixel to map coordinates (GDAL's six-number geotransform), built from an
// ENVI `map info` or from GeoTIFF tie point + pixel scale (or a transformation matrix). Everything
// that puts points or pixels of two sources onto one grid goes through it.

import Foundation
import Shared

/// x_map = originX + col·pixelWidth + row·rowRotation; y_map = originY + col·columnRotation + row·pixelHeight,
/// where (col, row) = (0, 0) is the upper-left corner of the upper-left pixel.
public struct GeoTransform: Equatable, Sendable, Codable {
    public var originX: Double
    public var pixelWidth: Double
    public var rowRotation: Double
    public var originY: Double
    public var columnRotation: Double
    /// Negative for a north-up image (rows run south).
    public var pixelHeight: Double

    public init(originX: Double, pixelWidth: Double, rowRotation: Double = 0,
                originY: Double, columnRotation: Double = 0, pixelHeight: Double) {
        self.originX = originX
        self.pixelWidth = pixelWidth
        self.rowRotation = rowRotation
        self.originY = originY
        self.columnRotation = columnRotation
        self.pixelHeight = pixelHeight
    }

    /// GDAL's order: [originX, pixelWidth, rowRotation, originY, columnRotation, pixelHeight].
    public var coefficients: [Double] { [originX, pixelWidth, rowRotation, originY, columnRotation, pixelHeight] }

    /// ENVI's tie point counts pixels from 1, with (1, 1) the upper-left corner of the first pixel.
    public init(mapInfo m: MapInfo) {
        self.init(originX: m.easting - (m.referencePixelX - 1) * m.pixelSizeX, pixelWidth: m.pixelSizeX,
                  originY: m.northing + (m.referencePixelY - 1) * m.pixelSizeY, pixelHeight: -m.pixelSizeY)
    }

    public var isNorthUp: Bool { rowRotation == 0 && columnRotation == 0 && pixelWidth > 0 && pixelHeight < 0 }

    /// Map coordinates of the point (col, row) in pixel units (pixel centres are at +0.5).
    public func map(column: Double, row: Double) -> (x: Double, y: Double) {
        (originX + column * pixelWidth + row * rowRotation, originY + column * columnRotation + row * pixelHeight)
    }

    /// Pixel coordinates (fractional; floor gives the pixel) of a map point; nil when the transform is singular.
    public func pixel(x: Double, y: Double) -> (column: Double, row: Double)? {
        let det = pixelWidth * pixelHeight - rowRotation * columnRotation
        guard det != 0, det.isFinite else { return nil }
        let dx = x - originX, dy = y - originY
        return ((dx * pixelHeight - dy * rowRotation) / det, (dy * pixelWidth - dx * columnRotation) / det)
    }

    /// The ENVI `map info` for this transform (north-up only: ENVI's rotation is not modelled).
    public func mapInfo(projection: String = "Arbitrary", zone: Int? = nil, hemisphere: String? = nil,
                        datum: String? = nil, units: String? = nil) -> MapInfo? {
        guard isNorthUp else { return nil }
        return MapInfo(projection: projection, referencePixelX: 1, referencePixelY: 1, easting: originX, northing: originY,
                       pixelSizeX: pixelWidth, pixelSizeY: -pixelHeight, zone: zone, hemisphere: hemisphere,
                       datum: datum, units: units)
    }
}
