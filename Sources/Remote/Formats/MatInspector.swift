// `reticle inspect` for MATLAB v5 MAT-files: each variable's class and dimensions, and which
// one would be read as a hyperspectral cube.

import Foundation
import Shared

public struct MatInspector: FileInspector {
    public let kind = "hyperspectral"

    public init() {}

    public func recognizes(path: String, header: [UInt8]) -> Bool {
        header.count >= 128 && header.starts(with: Array("MATLAB 5.0 MAT-file".utf8))
    }

    /// Keys: kind, format, variables [{name, class, dimensions, fields?}], nested_arrays? [{path, class, dimensions}],
    /// cube_variable, samples, lines, bands.
    public func inspect(path: String, options: InspectOptions) throws -> JSONObject {
        let mat = try MatFile(path: path)
        var o = JSONObject()
        o["kind"] = .string(kind)
        o["format"] = "MATLAB v5 MAT-file"
        o["variables"] = .array(mat.variables.map { v in
            var e: JSONObject = ["name": .string(v.name), "class": .string(v.matlabClass),
                                 "dimensions": .array(v.dimensions.map { .int($0) })]
            if let t = v.storageType, t != v.classType { e["stored_as"] = .string(t.name) }
            if v.isComplex { e["complex"] = true }
            if !v.fieldNames.isEmpty { e["fields"] = .array(v.fieldNames.map { .string($0) }) }
            return .object(e)
        })
        let nested = mat.nestedArrays()
        if !nested.isEmpty {
            // Arrays inside structs and cells, named as --hsi-variable and its kin take them.
            o["nested_arrays"] = .array(nested.map { n in
                .object(["path": .string(n.path), "class": .string(n.variable.matlabClass),
                         "dimensions": .array(n.variable.dimensions.map { .int($0) })])
            })
        }
        let cubes = mat.variables.filter { $0.isNumeric && $0.dimensions.count == 3 }
        if let best = cubes.max(by: { $0.elementCount < $1.elementCount }) {
            o["cube_variable"] = .string(best.name)
            o["lines"] = .int(best.dimensions[0])
            o["samples"] = .int(best.dimensions[1])
            o["bands"] = .int(best.dimensions[2])
        } else {
            o["cube_variable"] = .null
        }
        return o
    }
}
