// `reticle inspect` for LAS point clouds: version, point format, counts, scale/offset, bounds, VLRs.

import Foundation
import Shared

public struct LasInspector: FileInspector {
    public let kind = "lidar"

    public init() {}

    public func recognizes(path: String, header: [UInt8]) -> Bool { header.starts(with: Array("LASF".utf8)) }

    /// Keys: kind, format, version, point_format, point_record_length, extra_bytes, extra_dimensions,
    /// point_count, points_by_return, scale, offset, min, max, system, software, vlrs, evlrs.
    public func inspect(path: String, options: InspectOptions) throws -> JSONObject {
        let las = try LasPointCloud(path: path)
        let h = las.header
        let nums: ([Double]) -> JSONValue = { .array($0.map { .number($0) }) }
        let records: ([LasRecord]) -> JSONValue = { list in
            .array(list.map { .object(["user_id": .string($0.userID), "record_id": .int($0.recordID),
                                        "description": .string($0.description), "length": .int($0.length)]) })
        }
        var o = JSONObject()
        o["kind"] = .string(kind)
        o["format"] = .string("LAS \(h.version)")
        o["version"] = .string(h.version)
        o["point_format"] = .int(h.pointFormat)
        o["point_record_length"] = .int(h.pointRecordLength)
        o["extra_bytes"] = .int(las.extraByteCount)
        o["extra_dimensions"] = .array(las.extraDimensionNames.map { .string($0) })
        o["point_count"] = .int(h.pointCount)
        o["points_by_return"] = .array(h.pointsByReturn.map { .int($0) })
        o["scale"] = nums(h.scale)
        o["offset"] = nums(h.offset)
        o["min"] = nums(h.min)
        o["max"] = nums(h.max)
        o["system"] = .string(h.systemIdentifier)
        o["software"] = .string(h.generatingSoftware)
        o["vlrs"] = records(las.vlrs)
        o["evlrs"] = records(las.evlrs)
        return o
    }
}
