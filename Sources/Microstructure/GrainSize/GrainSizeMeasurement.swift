// Grain size by measurement over several fields: per-field N_A or ℓ̄, the E112 §15
// statistics, G from the mean, and the warnings a metallographer would raise.

import Foundation
import Shared

/// Which counting procedure, and with which test figure or lines.
public enum GrainSizeMethod: String, Codable, Sendable, CaseIterable {
    case planimetricCircle = "planimetric-circle"
    case planimetricRectangle = "planimetric-rectangle"
    case interceptLines = "intercept-lines"
    case interceptCircles = "intercept-circles"

    public var isPlanimetric: Bool { self == .planimetricCircle || self == .planimetricRectangle }
}

public struct GrainSizeMeasurement: Sendable {
    /// One field's counts.
    public struct Field: Sendable {
        /// Grains counted (weighted) or intersections P.
        public var count: Double
        /// N_A (grains/mm²) for planimetric methods, ℓ̄ (µm) for intercept methods.
        public var value: Double
        public var triplePoints: Int
        /// Intercept methods: groups of boundary pixels along the lines (every dark speck a
        /// boundary, as GetGrainSize and other simple Heyn tools count) and the lines' length.
        public var boundaryRuns = 0.0
        public var lengthUM = 0.0
    }

    public let method: GrainSizeMethod
    public let standard: GrainSizeStandard
    public let umPerPixel: Double
    public let fields: [Field]
    public let statistics: FieldStatistics
    /// G from the mean N_A or mean ℓ̄.
    public let grainSizeNumber: Double
    public let warnings: [String]

    /// Thresholds of E112 §15 / ISO 643 practice.
    public static let maxRelativeAccuracyPercent = 10.0
    public static let minGrainsPerField = 50.0
    public static let minFields = 5

    /// Measures each map as one field.
    /// - Throws: `ReticleError(.calibration)` without a positive µm/px.
    public init(fields maps: [BoundaryMap], method: GrainSizeMethod, standard: GrainSizeStandard,
                umPerPixel: Double? = nil) throws {
        guard let um = umPerPixel ?? maps.first?.umPerPixel, um > 0, um.isFinite else {
            throw ReticleError(.calibration, "grain size needs the pixel size (µm/px): none given and none in the image")
        }
        guard !maps.isEmpty else { throw ReticleError(.usage, "grain size needs at least one field") }
        var fields: [Field] = []
        var blank = 0
        for map in maps {
            let grains = GrainLabels(map)
            // A field that boundaries do not split into two grains has nothing to count: its N_A
            // would describe the field's size and its ℓ̄ would be infinite. Leave it out.
            guard grains.count >= 2, map.isBoundary.contains(true) else { blank += 1; continue }
            switch method {
            case .planimetricCircle, .planimetricRectangle:
                let figure = PlanimetricMethod.defaultFigure(width: map.width, height: map.height,
                                                             circle: method == .planimetricCircle)
                let c = PlanimetricMethod.count(grains, figure: figure)
                fields.append(Field(count: c.weightedGrains, value: c.grainsPerMM2(umPerPixel: um), triplePoints: 0))
            case .interceptLines, .interceptCircles:
                let lines = method == .interceptLines
                    ? InterceptMethod.straightLines(width: map.width, height: map.height)
                    : InterceptMethod.abramsCircles(width: map.width, height: map.height)
                let counts = lines.map { InterceptMethod.count(grains, line: $0) }
                let p = counts.reduce(0) { $0 + $1.intersections }
                let lengthUM = counts.reduce(0) { $0 + $1.lengthPx } * um
                guard p > 0 else { blank += 1; continue }  // no test line crosses a boundary
                let runs = lines.reduce(0) { $0 + InterceptMethod.countBoundaryRuns(map, line: $1).intersections }
                fields.append(Field(count: p, value: lengthUM / p,
                                    triplePoints: counts.reduce(0) { $0 + $1.triplePoints }, boundaryRuns: runs, lengthUM: lengthUM))
            }
        }
        guard !fields.isEmpty else {
            throw ReticleError(.usage, "no grain boundaries found in \(maps.count == 1 ? "the field" : "any of the \(maps.count) fields")"
                + " (\(method.rawValue)): a blank, unetched or out-of-focus image has no grain size")
        }
        self.method = method
        self.standard = standard
        self.umPerPixel = um
        self.fields = fields
        statistics = FieldStatistics(fields.map(\.value))
        let g = method.isPlanimetric
            ? standard.grainSizeNumber(grainsPerMM2: statistics.mean)
            : standard.grainSizeNumber(meanInterceptMM: statistics.mean * 1e-3)
        guard g.isFinite, fields.allSatisfy({ $0.value.isFinite && $0.value > 0 }) else {
            throw ReticleError(.usage, "grain size by \(method.rawValue) is not a finite number (mean \(statistics.mean)): no usable grain boundaries found")
        }
        grainSizeNumber = g

        var warnings: [String] = []
        if blank > 0 {
            warnings.append("no grain boundaries found in \(blank) of \(maps.count) fields: left out of the mean")
        }
        if let ra = statistics.relativeAccuracyPercent, ra > Self.maxRelativeAccuracyPercent {
            warnings.append(String(format: "relative accuracy %.1f %% is above 10 %%: measure more fields", ra))
        }
        let sparse = fields.filter { $0.count < Self.minGrainsPerField }.count
        if sparse > 0 {
            let what = method.isPlanimetric ? "grains" : "intersections"
            warnings.append("\(sparse) of \(fields.count) fields have fewer than 50 \(what): use a lower magnification or a larger test figure")
        }
        if fields.count < Self.minFields {
            warnings.append("only \(fields.count) field\(fields.count == 1 ? "" : "s"): E112 asks for at least 5")
        }
        self.warnings = warnings
    }

    /// ℓ̄ in µm: measured for intercept methods, from G for planimetric ones.
    public var meanInterceptUM: Double {
        method.isPlanimetric ? standard.meanInterceptMM(grainSizeNumber: grainSizeNumber) * 1000 : statistics.mean
    }

    /// Mean grain area in µm²: 1/N_A measured for planimetric methods, from G for intercept ones.
    public var meanGrainAreaUM2: Double {
        1e6 / (method.isPlanimetric ? statistics.mean : standard.grainsPerMM2(grainSizeNumber: grainSizeNumber))
    }

    /// `digits` significant digits.
    static func round(_ v: Double, _ digits: Int) -> Double {
        guard v.isFinite, v != 0 else { return v }
        let scale = pow(10, Double(digits) - (log10(abs(v))).rounded(.up))
        return (v * scale).rounded() / scale
    }

    /// Splits one map into `columns × rows` equal fields (for a single large micrograph).
    public static func fields(of map: BoundaryMap, columns: Int, rows: Int) -> [BoundaryMap] {
        let w = map.width / columns, h = map.height / rows
        var out: [BoundaryMap] = []
        for r in 0..<rows {
            for c in 0..<columns { out.append(map.cropped(x: c * w, y: r * h, width: w, height: h)) }
        }
        return out
    }

    /// The result as reported: standard, edition, constants, per-field values, statistics, warnings.
    public var json: JSONObject {
        let planimetric = method.isPlanimetric
        var o: JSONObject = [
            "method": .string(method.rawValue),
            "standard": .string(standard.edition),
            "formulas": .string(standard.formulas),
            "um_per_px": .number(umPerPixel),
            "fields": .int(fields.count),
            "quantity": .string(planimetric ? "N_A (grains/mm² at 1x)" : "mean lineal intercept ℓ̄ (µm)"),
            "per_field": .array(fields.map { .number($0.value) }),
            "counts_per_field": .array(fields.map { .number($0.count) }),
            "mean": .number(statistics.mean),
            "std_dev": .number(statistics.standardDeviation),
        ]
        o["ci95"] = statistics.confidence95.map(JSONValue.number) ?? .null
        o["relative_accuracy_pct"] = statistics.relativeAccuracyPercent.map(JSONValue.number) ?? .null
        o["G"] = .number((grainSizeNumber * 100).rounded() / 100)
        // Both sizes a report quotes, in the units labs use: the measured one, and the other
        // through the standard's relations (marked as derived).
        o["mean_intercept_um"] = .number(Self.round(meanInterceptUM, 4))
        o["mean_grain_area_um2"] = .number(Self.round(meanGrainAreaUM2, 4))
        o["derived"] = .string(planimetric ? "mean_intercept_um from G" : "mean_grain_area_um2 from G")
        if !planimetric {
            o["triple_points"] = .int(fields.reduce(0) { $0 + $1.triplePoints })
            // What tools that count boundary-pixel groups report, for comparing with them:
            // ℓ̄ = L / runs over all fields, and their D = 1.13·ℓ̄.
            let runs = fields.reduce(0) { $0 + $1.boundaryRuns }, length = fields.reduce(0) { $0 + $1.lengthUM }
            if runs > 0 {
                o["boundary_runs"] = ["count": .number(runs), "line_length_um": .number(Self.round(length, 6)),
                                      "mean_intercept_um": .number(Self.round(length / runs, 4)),
                                      "D_1.13_um": .number(Self.round(1.13 * length / runs, 4))]
            }
        }
        o["warnings"] = .array(warnings.map(JSONValue.string))
        return o
    }
}
