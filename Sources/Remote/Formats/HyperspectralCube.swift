// A hyperspectral cube in memory, whatever file it came from: Float32 samples in band-sequential
// order plus the calibration a land-cover model needs (wavelengths, map grid, no-data value).

import Foundation
import Shared

/// Map georeferencing from ENVI's `map info` (pixel size in map units, tie point).
public struct MapInfo: Equatable, Sendable {
    /// Projection name, e.g. "UTM" or "Geographic Lat/Lon".
    public var projection: String
    /// The tie point in pixel coordinates (ENVI counts from 1: pixel (1,1) is the upper-left pixel's corner).
    public var referencePixelX: Double
    public var referencePixelY: Double
    /// Map coordinates of the tie point.
    public var easting: Double
    public var northing: Double
    /// Pixel size in map units (metres for UTM).
    public var pixelSizeX: Double
    public var pixelSizeY: Double
    public var zone: Int?
    public var hemisphere: String?
    public var datum: String?
    public var units: String?

    public init(projection: String, referencePixelX: Double, referencePixelY: Double, easting: Double, northing: Double,
                pixelSizeX: Double, pixelSizeY: Double, zone: Int? = nil, hemisphere: String? = nil,
                datum: String? = nil, units: String? = nil) {
        self.projection = projection
        self.referencePixelX = referencePixelX
        self.referencePixelY = referencePixelY
        self.easting = easting
        self.northing = northing
        self.pixelSizeX = pixelSizeX
        self.pixelSizeY = pixelSizeY
        self.zone = zone
        self.hemisphere = hemisphere
        self.datum = datum
        self.units = units
    }
}

/// samples (columns, x) × lines (rows, y) × bands of Float32.
///
/// Storage is band-sequential: `values[(band * lines + line) * samples + sample]`. BSQ was chosen
/// because it is the NCHW layout of `Tensor` (C = bands, H = lines, W = samples), so a cube becomes a
/// network input without reordering, and a single band is one contiguous slice.
public struct HyperspectralCube: Sendable {
    public let samples: Int
    public let lines: Int
    public let bands: Int
    public var values: [Float]
    /// Band centre wavelengths, one per band, when the file gives them.
    public var wavelengths: [Double]?
    /// Units of `wavelengths` as the file spells them ("nm", "Micrometers"), or "nm (assumed)" when inferred.
    public var wavelengthUnits: String?
    public var mapInfo: MapInfo?
    /// GeoTIFF georeferencing, kept verbatim when the cube came from a GeoTIFF (it can say more than `mapInfo`).
    public var geoReference: GeoReference? = nil
    /// Samples equal to this value mean "no data" (ENVI `data ignore value`).
    public var noDataValue: Double?
    /// The stored type before conversion to Float32 (NumPy spelling: "int16", "float32", ...).
    public var sourceType: CubeSampleType
    /// The file the cube was read from.
    public var source: String

    public init(samples: Int, lines: Int, bands: Int, values: [Float], sourceType: CubeSampleType = .float32,
                source: String = "", wavelengths: [Double]? = nil, wavelengthUnits: String? = nil,
                mapInfo: MapInfo? = nil, noDataValue: Double? = nil) {
        precondition(samples >= 0 && lines >= 0 && bands >= 0 && values.count == samples * lines * bands,
                     "cube values must hold samples × lines × bands")
        self.samples = samples
        self.lines = lines
        self.bands = bands
        self.values = values
        self.sourceType = sourceType
        self.source = source
        self.wavelengths = wavelengths
        self.wavelengthUnits = wavelengthUnits
        self.mapInfo = mapInfo
        self.noDataValue = noDataValue
    }

    /// Pixel → map coordinates: from the GeoTIFF tags when present, else from ENVI map info.
    public var geoTransform: GeoTransform? {
        if let t = geoReference?.transform { return t }
        return mapInfo.map { GeoTransform(mapInfo: $0) }
    }

    /// The GeoTIFF tags for this cube: its own, or converted from its map info.
    public var effectiveGeoReference: GeoReference? {
        if let g = geoReference, !g.isEmpty { return g }
        return mapInfo.map { GeoReference(mapInfo: $0) }
    }

    /// One sample value.
    public subscript(sample s: Int, line l: Int, band b: Int) -> Float {
        get { values[(b * lines + l) * samples + s] }
        set { values[(b * lines + l) * samples + s] = newValue }
    }

    /// One band as a lines × samples row-major image.
    public func band(_ b: Int) -> ArraySlice<Float> {
        let n = lines * samples
        return values[(b * n)..<((b + 1) * n)]
    }

    /// The spectrum of one pixel, one value per band.
    public func spectrum(sample s: Int, line l: Int) -> [Float] {
        let plane = lines * samples
        return (0..<bands).map { values[$0 * plane + l * samples + s] }
    }

    /// The cube as a 1 × bands × lines × samples tensor (no copy of the layout logic: BSQ is NCHW).
    public func tensor() -> Tensor { Tensor(shape: [1, bands, lines, samples], scalars: values) }

    /// Minimum, maximum and mean over all samples, skipping NaN and the no-data value.
    public func statistics() -> (min: Double, max: Double, mean: Double) {
        var lo = Double.infinity, hi = -Double.infinity, sum = 0.0, n = 0
        let skip = noDataValue.map { Float($0) }
        values.withUnsafeBufferPointer { buf in
            guard let p = buf.baseAddress else { return }
            for i in 0..<buf.count {
                let v = p[i]
                if v.isNaN || v == skip { continue }
                let d = Double(v)
                if d < lo { lo = d }
                if d > hi { hi = d }
                sum += d
                n += 1
            }
        }
        return n == 0 ? (.nan, .nan, .nan) : (lo, hi, sum / Double(n))
    }

    /// Checks samples × lines × bands × bytes-per-sample without overflow; a header claiming an
    /// absurd size fails here before anything is allocated.
    static func byteCount(samples: Int, lines: Int, bands: Int, type: CubeSampleType, file: String) throws -> Int {
        guard samples > 0, lines > 0, bands > 0 else {
            throw ReticleError(.corrupt, file: file, "cube size \(samples) × \(lines) × \(bands) has a zero or negative dimension")
        }
        var total = type.byteCount
        for d in [samples, lines, bands] {
            let (p, overflow) = total.multipliedReportingOverflow(by: d)
            guard !overflow, p < (1 << 40) else {
                throw ReticleError(.corrupt, file: file, "cube size \(samples) × \(lines) × \(bands) is impossibly large")
            }
            total = p
        }
        return total
    }
}
