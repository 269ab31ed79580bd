// One micrograph → grain size by every requested method: the boundary map (detected
// from an etched image or read from a binary map), split into fields, measured, and
// reported with the standard's edition, constants, statistics and warnings.

import Foundation
import Shared

public struct GrainSizeAnalysis: Sendable {
    /// Where the boundaries come from.
    public enum BoundarySource: String, Codable, Sendable, CaseIterable {
        /// An etched light-optical micrograph: grooves detected (`BoundaryDetector`).
        case detect
        /// A binarised boundary map: the minority phase is the boundary.
        case map
    }

    public var boundaries: BoundarySource
    public var methods: [GrainSizeMethod]
    public var standard: GrainSizeStandard
    /// The image is split into `columns × rows` fields (E112 asks for at least 5).
    public var columns: Int
    public var rows: Int
    public var detector: BoundaryDetector

    public init(boundaries: BoundarySource = .detect, methods: [GrainSizeMethod] = GrainSizeMethod.allCases,
                standard: GrainSizeStandard = .astmE112, columns: Int = 3, rows: Int = 2,
                detector: BoundaryDetector = BoundaryDetector()) {
        self.boundaries = boundaries
        self.methods = methods
        self.standard = standard
        self.columns = columns
        self.rows = rows
        self.detector = detector
    }

    /// The settings that determine a result, for the batch runner's settings hash.
    public var settings: JSONObject {
        ["boundaries": .string(boundaries.rawValue), "methods": .array(methods.map { .string($0.rawValue) }),
         "standard": .string(standard.rawValue), "fields": .string("\(columns)x\(rows)"),
         "detector": ["radius": .int(detector.radius), "min_grain_area_px": .int(detector.minGrainAreaPx),
                      "low_fraction": .number(Double(detector.lowFraction)), "thin": .bool(detector.thin)]]
    }

    /// Measures `image` at `umPerPixel`, leaving out `exclude` (a scale bar and its label).
    /// - Throws: `ReticleError(.calibration)` for a missing or invalid scale, `.usage` for fields
    ///   too small to measure.
    public func measure(_ image: Image, umPerPixel: Double, exclude: [PixelRect] = []) throws -> JSONObject {
        try ScaleLimits.check(umPerPixel: umPerPixel, "µm/px")
        guard image.width / columns >= 32, image.height / rows >= 32 else {
            throw ReticleError(.usage, "\(image.width)×\(image.height) px is too small for \(columns)×\(rows) fields of at least 32 px")
        }
        var map: BoundaryMap
        switch boundaries {
        case .detect:
            map = detector.detect(image, exclude: exclude)
        case .map:
            map = BoundaryMap(image: image)
            map.markBoundary(exclude)
        }
        map.umPerPixel = umPerPixel
        let fields = GrainSizeMeasurement.fields(of: map, columns: columns, rows: rows)
        var out: JSONObject = [
            "um_per_px": .number(umPerPixel),
            "boundaries": .string(boundaries.rawValue),
            "boundary_fraction": .number((map.boundaryFraction * 1000).rounded() / 1000),
            "fields": .string("\(columns)x\(rows)"),
            "excluded_px": .int(exclude.reduce(0) { $0 + $1.area }),
        ]
        for method in methods {
            let m = try GrainSizeMeasurement(fields: fields, method: method, standard: standard, umPerPixel: umPerPixel)
            out[method.rawValue] = .object(m.json)
        }
        return out
    }
}
