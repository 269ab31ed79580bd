// The options of `reticle micro grainsize`, and the work it does on one micrograph.

import Foundation
import Shared

public struct MicroGrainSizeOptions: CommandOptions {
    public static let command = "micro grainsize"
    public var calibration = CalibrationOptions()
    /// Boundary source: detect (etched micrograph) or map (binary boundary image).
    public var boundaries = GrainSizeAnalysis.BoundarySource.detect
    /// Methods; empty means all.
    public var method: [GrainSizeMethod] = []
    public var standard = GrainSizeStandard.astmE112
    /// Fields per image as COLUMNSxROWS.
    public var fields = "3x2"
    /// What the structure is: auto (the lath screen decides), equiaxed or lath.
    public var structure = GrainSizeAnalysis.StructureHint.auto
    /// On martensite/bainite, measure the packet size (labelled so) instead of refusing.
    public var lathSize = false
    /// Specification limits on G, e.g. "G>=7" or "5<=G<=8": pass/fail per image and specimen.
    public var spec: String?

    public init() {}

    public func validate() throws {
        try calibration.validate()
        _ = try fieldGrid()
        _ = try spec.map(GrainSizeSpec.init)
    }

    /// (columns, rows) from `fields`.
    public func fieldGrid() throws -> (columns: Int, rows: Int) {
        let p = fields.lowercased().split(separator: "x").compactMap { Int($0) }
        guard p.count == 2, p[0] >= 1, p[1] >= 1 else { throw ReticleError(.usage, "--fields wants COLUMNSxROWS, e.g. 3x2") }
        return (p[0], p[1])
    }

    public func analysis() throws -> GrainSizeAnalysis {
        let (columns, rows) = try fieldGrid()
        var analysis = GrainSizeAnalysis(boundaries: boundaries, methods: method.isEmpty ? GrainSizeMethod.allCases : method,
                                 standard: standard, columns: columns, rows: rows, lathSize: lathSize,
                                 spec: try spec.map(GrainSizeSpec.init))
        analysis.structureHint = structure
        return analysis
    }

    /// One batch item: the calibration used and G by every method; with `overlaysDir`, the
    /// overlay PNG (its path in the result is relative to the output folder).
    public static func measure(_ item: InputItem, analysis: GrainSizeAnalysis, calibration: MicrographCalibration,
                               overlaysDir: URL? = nil, reader: ImageReader = .rasters) throws -> JSONObject {
        let image = try reader.read(path: item.path)
        let resolved = try calibration.resolve(image, path: item.displayPath)
        var result: JSONObject = ["calibration": .object(resolved.json)]
        let overlay = overlaysDir?.appendingPathComponent("\(item.id)-grains.png")
        let measured: JSONObject
        do {
            measured = try analysis.measure(image, umPerPixel: resolved.umPerPixel, exclude: resolved.excludedRegions,
                                            overlayPath: overlay?.path)
        } catch let e as ReticleError {
            throw e.naming(item.displayPath)
        }
        for (k, v) in measured { result[k] = v }
        if overlay != nil, result["overlay"] != nil { result["overlay"] = .string("overlays/\(item.id)-grains.png") }
        return result
    }

    /// After the batch: report.html and specimens.json over every item in `outDir`.
    public func writeReport(to outDir: URL) throws {
        let records = try ItemStore(outDir: outDir, create: false).allRecords().records
        try GrainSizeReport.write(records, grouping: try SpecimenGrouping(), standard: standard,
                                  spec: try spec.map(GrainSizeSpec.init), to: outDir)
    }
}
