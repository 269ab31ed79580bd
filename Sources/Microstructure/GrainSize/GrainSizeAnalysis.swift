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

    /// What the user says the structure is; `auto` leaves it to `LathStructureCheck`.
    public enum StructureHint: String, Codable, Sendable, CaseIterable {
        case auto, equiaxed, lath
    }

    public var boundaries: BoundarySource
    /// Overrides the lath screen (`grade` passes the graded type instead).
    public var structureHint = StructureHint.auto
    public var methods: [GrainSizeMethod]
    public var standard: GrainSizeStandard
    /// The image is split into `columns × rows` fields (E112 asks for at least 5).
    public var columns: Int
    public var rows: Int
    public var detector: BoundaryDetector
    /// On a lath/needle structure, measure the packet size instead of refusing.
    public var lathSize = false
    /// Specification limits checked against the reported G.
    public var spec: GrainSizeSpec?
    public var lathCheck = LathStructureCheck()
    public var packetMethod = PacketSizeMethod()

    /// Methods whose G may differ by this much before a warning (E112's planimetric and
    /// intercept relations differ by about 0.36 G on equiaxed Poisson–Voronoi grains).
    public static let methodDisagreementLimit = 0.5

    public init(boundaries: BoundarySource = .detect, methods: [GrainSizeMethod] = GrainSizeMethod.allCases,
                standard: GrainSizeStandard = .astmE112, columns: Int = 3, rows: Int = 2,
                detector: BoundaryDetector = BoundaryDetector(), lathSize: Bool = false, spec: GrainSizeSpec? = nil) {
        self.boundaries = boundaries
        self.methods = methods
        self.standard = standard
        self.columns = columns
        self.rows = rows
        self.detector = detector
        self.lathSize = lathSize
        self.spec = spec
    }

    /// The settings that determine a result, for the batch runner's settings hash.
    public var settings: JSONObject {
        ["boundaries": .string(boundaries.rawValue), "methods": .array(methods.map { .string($0.rawValue) }),
         "standard": .string(standard.rawValue), "fields": .string("\(columns)x\(rows)"),
         "lath_size": .bool(lathSize), "structure": .string(structureHint.rawValue), "spec": spec.map { .string($0.text) } ?? .null,
         "lath_score_limit": .number(lathCheck.scoreLimit), "lath_alignment_limit": .number(lathCheck.alignmentLimit),
         "detector": ["radius": .int(detector.radius), "min_grain_area_px": .int(detector.minGrainAreaPx),
                      "low_fraction": .number(Double(detector.lowFraction)), "thin": .bool(detector.thin)]]
    }

    /// Measures `image` at `umPerPixel`, leaving out `exclude` (a scale bar and its label).
    /// - Parameters:
    ///   - structure: the type a classifier gave the image (`grade`); nil lets the orientation
    ///     shape of the detected regions decide whether it is a lath/needle structure.
    ///   - overlayPath: where to write the overlay PNG (boundaries, test lines, counted intercepts).
    /// - Throws: `ReticleError(.calibration)` for a missing or invalid scale, `.usage` for fields
    ///   too small to measure and for a lath/needle structure unless `lathSize`.
    public func measure(_ image: Image, umPerPixel: Double, exclude: [PixelRect] = [],
                        structure: MicrostructureType? = nil, overlayPath: String? = nil) throws -> JSONObject {
        try ScaleLimits.check(umPerPixel: umPerPixel, "µm/px")
        guard image.width / columns >= 32, image.height / rows >= 32 else {
            throw ReticleError(.usage, "\(image.width)×\(image.height) px is too small for \(columns)×\(rows) fields of at least 32 px")
        }
        let gray = image.grayscale().floatPixels()
        var warnings: [String] = []
        let binaryShare = Self.twoLevelShare(gray)
        var map: BoundaryMap
        switch boundaries {
        case .detect:
            map = detector.detect(image, exclude: exclude)
            if binaryShare > 0.97 {
                warnings.append(String(format: "the image is a two-level map (%.0f %% of pixels at its two extremes), not an etched micrograph: --boundaries map reads boundaries as drawn, detect looks for grooves in them", 100 * binaryShare))
            }
        case .map:
            map = BoundaryMap(image: image)
            map.markBoundary(exclude)
            // Binarisation leaves specks inside boundary bands; counted as grains they would
            // inflate N_A while the intercept count (grain to grain) ignores them.
            map = map.fillingSpecks(minGrainAreaPx: detector.minGrainAreaPx)
            if binaryShare < 0.9 {
                warnings.append(String(format: "--boundaries map expects a binarised boundary image, but only %.0f %% of pixels are at its two extremes: this looks like a grey micrograph (use --boundaries detect)", 100 * binaryShare))
            }
        }
        map.umPerPixel = umPerPixel
        var out: JSONObject = [
            "um_per_px": .number(umPerPixel),
            "boundaries": .string(boundaries.rawValue),
            "boundary_fraction": .number((map.boundaryFraction * 1000).rounded() / 1000),
            "fields": .string("\(columns)x\(rows)"),
            "excluded_px": .int(exclude.reduce(0) { $0 + $1.area }),
        ]

        // Lath and needle structures: no grain size from their boundaries.
        let assessment = boundaries == .map ? lathCheck.assess(map) : lathCheck.assess(map, gray: gray)
        var structureJSON = assessment.json
        structureJSON["graded_type"] = structure.map { .string($0.rawValue) } ?? .null
        let lath: Bool
        switch (structure, structureHint) {
        case (let graded?, _): lath = graded.hasNeedles; structureJSON["decided_by"] = "graded type"
        case (nil, .auto) where boundaries == .map:
            // A drawn map has no texture, and its regions are whatever was drawn.
            lath = false; structureJSON = ["decided_by": "not screened: --boundaries map"]
        case (nil, .auto): lath = assessment.isLath; structureJSON["decided_by"] = "lath screen (region shape, texture)"
        case (nil, let hint): lath = hint == .lath; structureJSON["decided_by"] = .string("--structure \(hint.rawValue)")
        }
        out["structure"] = .object(structureJSON)
        if lath {
            let why = structure.map { "the image was graded \($0.rawValue)" }
                ?? (structureHint == .lath ? "--structure lath"
                    : String(format: "the lath screen finds needles, not grains (needle score %.2f above %.2f: region aspect ratio %.2f, texture coherence %.2f); --structure equiaxed overrides it",
                             assessment.score, lathCheck.scoreLimit, assessment.aspect, assessment.grayCoherence))
            guard lathSize else { throw LathStructureCheck.refusal(why) }
            let packets = try packetMethod.measure(gray: gray, width: image.width, height: image.height, umPerPixel: umPerPixel,
                                                   columns: columns, rows: rows, standard: standard)
            out["packet_size"] = .object(packets.json)
            warnings.append("lath/needle structure (\(why)): packet size reported, no grain size")
            warnings += packets.warnings.map { "packet size: \($0)" }
            if spec != nil { warnings.append("--spec limits G; a packet size has none, so it was not checked") }
            out["warnings"] = .array(warnings.map(JSONValue.string))
            return out
        }
        if lathSize {
            warnings.append(String(format: "--lath-size: the structure is not lath-like (region aspect ratio %.2f, texture coherence %.2f), so grain size was measured", assessment.aspect, assessment.grayCoherence))
        }

        let fields = GrainSizeMeasurement.fields(of: map, columns: columns, rows: rows)
        var results: [(GrainSizeMethod, Double)] = []
        for method in methods {
            let m = try GrainSizeMeasurement(fields: fields, method: method, standard: standard, umPerPixel: umPerPixel)
            out[method.rawValue] = .object(m.json)
            results.append((method, m.grainSizeNumber))
        }
        if let (first, g) = results.first {
            out["G"] = .number((g * 100).rounded() / 100)
            out["reported_method"] = .string(first.rawValue)
            if let spec { out["spec"] = .object(spec.json(g: g, method: first.rawValue)) }
        }
        if let lo = results.min(by: { $0.1 < $1.1 }), let hi = results.max(by: { $0.1 < $1.1 }),
           hi.1 - lo.1 > Self.methodDisagreementLimit {
            warnings.append(String(format: "methods disagree by %.2f G (%@ %.2f, %@ %.2f), more than %.1f: ", hi.1 - lo.1,
                                   hi.0.rawValue, hi.1, lo.0.rawValue, lo.1, Self.methodDisagreementLimit)
                + (hi.0.isPlanimetric == lo.0.isPlanimetric
                    ? "the field is too small or too uneven for one of the test figures"
                    : hi.0.isPlanimetric
                        ? "the planimetric count is the higher: small regions (specks, broken boundaries) counted as grains; check the overlay"
                        : "the intercept count is the higher: boundaries inside grains (twins, substructure, noise) or thick boundaries; check the overlay"))
        }
        let planimetricG = results.first { $0.0.isPlanimetric }?.1 ?? results.first?.1
        if let planimetricG {
            let distribution = GrainSizeDistribution(grains: GrainLabels(map), umPerPixel: umPerPixel, standard: standard, exclude: exclude)
            out["distribution"] = .object(distribution.json(meanG: planimetricG))
        }
        if let overlayPath {
            if max(image.width, image.height) <= GrainSizeOverlay.maxSide {
                let overlay = GrainSizeOverlay().render(image, map: map, columns: columns, rows: rows, methods: methods)
                try ImageFile.write(overlay, to: overlayPath)
                out["overlay"] = .string(overlayPath)
            } else {
                warnings.append("no overlay: the image is larger than \(GrainSizeOverlay.maxSide) px a side")
            }
        }
        out["warnings"] = .array(warnings.map(JSONValue.string))
        return out
    }

    /// Share of pixels within 5 % of the darkest or the brightest value: 1 for a binary map.
    static func twoLevelShare(_ gray: [Float]) -> Double {
        guard let lo = gray.min(), let hi = gray.max(), hi > lo else { return 1 }
        let band = 0.05 * (hi - lo)
        let n = gray.reduce(0) { $0 + ($1 <= lo + band || $1 >= hi - band ? 1 : 0) }
        return Double(n) / Double(max(1, gray.count))
    }
}
