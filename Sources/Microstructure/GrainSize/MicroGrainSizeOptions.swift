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

    public init() {}

    public func validate() throws {
        try calibration.validate()
        _ = try fieldGrid()
    }

    /// (columns, rows) from `fields`.
    public func fieldGrid() throws -> (columns: Int, rows: Int) {
        let p = fields.lowercased().split(separator: "x").compactMap { Int($0) }
        guard p.count == 2, p[0] >= 1, p[1] >= 1 else { throw ReticleError(.usage, "--fields wants COLUMNSxROWS, e.g. 3x2") }
        return (p[0], p[1])
    }

    public func analysis() throws -> GrainSizeAnalysis {
        let (columns, rows) = try fieldGrid()
        return GrainSizeAnalysis(boundaries: boundaries, methods: method.isEmpty ? GrainSizeMethod.allCases : method,
                                 standard: standard, columns: columns, rows: rows)
    }

    /// One batch item: the calibration used and G by every method.
    public static func measure(_ item: InputItem, analysis: GrainSizeAnalysis, calibration: MicrographCalibration) throws -> JSONObject {
        let image = try ImageFile.read(path: item.path)
        let resolved = try calibration.resolve(image, path: item.displayPath)
        var result: JSONObject = ["calibration": .object(resolved.json)]
        for (k, v) in try analysis.measure(image, umPerPixel: resolved.umPerPixel, exclude: resolved.excludedRegions) {
            result[k] = v
        }
        return result
    }
}
