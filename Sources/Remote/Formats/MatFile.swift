// Reads MATLAB v5/v6/v7 MAT-files (not v7.3/HDF5): the 128-byte header, then miMATRIX elements,
// each possibly wrapped in a zlib miCOMPRESSED element. Numeric arrays, struct field names, and the rest by class and size.

import Foundation
import Shared

public struct MatFile: Sendable {
    public let path: String
    /// The header's descriptive text ("MATLAB 5.0 MAT-file, Platform: ..., Created on: ...").
    public let description: String
    public let bigEndian: Bool
    public let variables: [MatVariable]

    /// The text every level-5 MAT-file starts with (v6 and v7 files too).
    public static let magic = "MATLAB 5.0 MAT-file"

    public init(path: String) throws {
        let r = try ByteReader.open(path)
        self.path = path
        guard r.count >= 128 else {
            throw ReticleError(.corrupt, file: path, "\(r.count) bytes is shorter than the 128-byte MAT-file header")
        }
        let text = try r.text(0, 116)
        if text.hasPrefix("MATLAB 7.3") {
            throw ReticleError(.unsupported, file: path, "MATLAB v7.3 MAT-files are HDF5, not read here; save with -v7")
        }
        guard text.hasPrefix("MATLAB 5.0") else {
            throw ReticleError(.unsupported, file: path, "not a MATLAB v5 MAT-file (header text does not start with \"\(Self.magic)\")")
        }
        description = text
        // The endian indicator is "MI" written as a 16-bit value: read back as "IM" on a little-endian file.
        let indicator = try r.text(126, 2)
        switch indicator {
        case "IM": bigEndian = false
        case "MI": bigEndian = true
        default: throw ReticleError(.corrupt, file: path, "MAT-file endian indicator '\(indicator)' is neither IM nor MI")
        }
        var reader = r
        reader.bigEndian = bigEndian
        var vars: [MatVariable] = []
        var offset = 128
        while reader.count - offset >= 8 {
            let tag = try Self.tag(reader, at: offset)
            try reader.check(tag.dataOffset, tag.length, "data element")
            switch tag.type {
            case Self.miCOMPRESSED:
                // Each compressed element holds one whole element; decompressing can at most multiply by ~1032.
                let limit = min(tag.length.multipliedReportingOverflow(by: 1040).partialValue + 4096, 1 << 36)
                let inflated = try Inflate.zlib(try reader.slice(tag.dataOffset, tag.length, "compressed element"),
                                                limit: limit, file: path, what: "compressed variable at byte \(offset)")
                let inner = ByteReader(bytes: inflated, file: path, bigEndian: bigEndian)
                guard inner.count >= 8 else {
                    throw ReticleError(.corrupt, file: path, "compressed element at byte \(offset) holds no element")
                }
                let innerTag = try Self.tag(inner, at: 0)
                if innerTag.type == Self.miMATRIX, let v = try Self.matrix(inner, innerTag, file: path) { vars.append(v) }
                // Compressed elements are not padded to 8 bytes.
                offset = tag.dataOffset + tag.length
            case Self.miMATRIX:
                if let v = try Self.matrix(reader, tag, file: path) { vars.append(v) }
                offset = tag.next
            default:
                offset = tag.next
            }
        }
        variables = vars
    }

    public func variable(_ name: String) -> MatVariable? { variables.first { $0.name == name } }

    /// The array at `spec`, written as MATLAB would: a variable name, then `.field` into a struct and
    /// `(k)` or `{k}` (1-based, column-major) for element k of a struct or cell array, e.g. "hsi.Data"
    /// or "hsi.Lidar{1}.z". Returned under the whole spec as its name.
    public func resolve(_ spec: String) throws -> MatVariable {
        var rest = Substring(spec.trimmingCharacters(in: .whitespaces))
        func identifier() -> String {
            let id = rest.prefix { $0.isLetter || $0.isNumber || $0 == "_" }
            rest = rest.dropFirst(id.count)
            return String(id)
        }
        func fail(_ why: String) -> ReticleError { ReticleError(.usage, file: path, "variable \"\(spec)\": \(why)") }
        let head = identifier()
        guard let top = variable(head) else {
            throw fail("no variable '\(head)'; variables: \(variables.map(\.name).joined(separator: ", "))")
        }
        var current = top, walked = head
        while let c = rest.first {
            rest = rest.dropFirst()
            switch c {
            case ".":
                let name = identifier()
                guard current.matlabClass == "struct" else { throw fail("'\(walked)' is a \(current.matlabClass) array, not a struct") }
                guard current.elementCount == 1 else {
                    throw fail("'\(walked)' is a struct array of \(current.elementCount) elements: pick one first, as in \(walked)(1).\(name)")
                }
                guard let v = current.field(name) else {
                    throw fail("'\(walked)' has no field '\(name)'; fields: \(current.fieldNames.joined(separator: ", "))")
                }
                current = v
                walked += "." + name
            case "(", "{":
                let close: Character = c == "(" ? ")" : "}"
                let digits = rest.prefix { $0.isNumber }
                rest = rest.dropFirst(digits.count)
                guard let k = Int(digits), k >= 1, rest.first == close else { throw fail("an index is written \(c)k\(close) with k ≥ 1") }
                rest = rest.dropFirst()
                guard current.matlabClass == "struct" || current.matlabClass == "cell" else {
                    throw fail("'\(walked)' is a \(current.matlabClass) array; only struct and cell elements can be picked")
                }
                guard let e = current.element(k - 1) else { throw fail("'\(walked)' has \(current.elementCount) elements, not \(k)") }
                current = e
                walked += "\(c)\(k)\(close)"
            default:
                throw fail("unexpected '\(c)'; write name.field, name(k) or name{k}")
            }
        }
        return current.renamed(walked)
    }

    /// Every numeric array inside structs and cells, by the path `resolve` takes ("hsi.Lidar{1}.z"),
    /// depth first, at most `limit` of them: what `reticle inspect` lists for a scene kept in a struct.
    public func nestedArrays(limit: Int = 200) -> [(path: String, variable: MatVariable)] {
        var out: [(path: String, variable: MatVariable)] = []
        func walk(_ v: MatVariable, _ path: String) {
            guard out.count < limit else { return }
            if v.matlabClass == "struct" {
                let n = v.fieldNames.count
                guard n > 0 else { return }
                for (i, child) in v.children.enumerated() {
                    let element = v.elementCount == 1 ? "" : "(\(i / n + 1))"
                    walk(child, path + element + "." + v.fieldNames[i % n])
                }
            } else if v.matlabClass == "cell" {
                for (i, child) in v.children.enumerated() { walk(child, path + "{\(i + 1)}") }
            } else if v.isNumeric, path.contains(where: { $0 == "." || $0 == "{" }) {
                out.append((path, v))
            }
        }
        for v in variables { walk(v, v.name) }
        return out
    }

    /// The cube at `spec` (see `resolve`), or else the largest real 3-D numeric array, or else the
    /// only real 2-D one (a LiDAR raster or a label map). Wavelengths come from a vector variable
    /// whose name contains "wav" and whose length equals the band count.
    public func cube(variable spec: String? = nil) throws -> HyperspectralCube {
        let chosen: MatVariable
        func listing(_ vs: [MatVariable]) -> String {
            vs.map { "\($0.name) (\($0.matlabClass) \($0.dimensions.map(String.init).joined(separator: "x")))" }.joined(separator: ", ")
        }
        if let spec {
            chosen = try resolve(spec)
            if chosen.matlabClass == "struct" {
                throw ReticleError(.usage, file: path,
                                   "variable \"\(spec)\" is a struct; name one of its fields: \(chosen.fieldNames.map { spec + "." + $0 }.joined(separator: ", "))")
            }
        } else if let best = variables.filter({ $0.isNumeric && $0.dimensions.count == 3 }).max(by: { $0.elementCount < $1.elementCount }) {
            chosen = best
        } else {
            let planes = variables.filter { $0.isNumeric && $0.dimensions.count == 2 && $0.dimensions.allSatisfy { $0 > 1 } }
            guard planes.count == 1 else {
                let nested = nestedArrays(limit: 12).filter { $0.variable.dimensions.filter { $0 > 1 }.count >= 2 }
                let inside = nested.isEmpty ? "" : "; inside structs and cells: "
                    + nested.map { "\($0.path) (\($0.variable.matlabClass) \($0.variable.dimensions.map(String.init).joined(separator: "x")))" }
                        .joined(separator: ", ") + " (name one with the --…-variable option)"
                throw ReticleError(.unsupported, file: path, planes.isEmpty
                    ? "no 2-D or 3-D numeric array to read as a raster; variables: \(listing(variables))\(inside)"
                    : "several 2-D arrays and no 3-D one; name the variable to read (\(listing(planes)))")
            }
            chosen = planes[0]
        }
        var cube = try chosen.cube(file: path)
        let vectors = variables.filter {
            $0.isNumeric && $0.elementCount == cube.bands && $0.dimensions.filter { $0 != 1 }.count <= 1
                && $0.name.lowercased().contains("wav")
        }
        if let w = vectors.first, let values = try? w.doubles() {
            cube.wavelengths = values
            // MAT-files carry no units; infer only from a plausible range and say so.
            if values.allSatisfy({ (200...20000).contains($0) }) {
                cube.wavelengthUnits = "nm (assumed)"
            } else if values.allSatisfy({ (0.2...20).contains($0) }) {
                cube.wavelengthUnits = "µm (assumed)"
            }
        }
        return cube
    }

    // MARK: - Elements

    static let miINT8: UInt32 = 1, miINT32: UInt32 = 5, miUINT32: UInt32 = 6
    static let miMATRIX: UInt32 = 14, miCOMPRESSED: UInt32 = 15
    /// Deepest nesting of structs and cells read (MATLAB files in practice use a handful).
    static let maxNesting = 32

    /// MATLAB storage types → sample types.
    static let storageTypes: [UInt32: CubeSampleType] = [
        1: .int8, 2: .uint8, 3: .int16, 4: .uint16, 5: .int32, 6: .uint32, 7: .float32, 9: .float64, 12: .int64, 13: .uint64,
    ]

    /// MATLAB array classes: name and numeric type.
    static let classes: [UInt8: (String, CubeSampleType?)] = [
        1: ("cell", nil), 2: ("struct", nil), 3: ("object", nil), 4: ("char", nil), 5: ("sparse", nil),
        6: ("double", .float64), 7: ("single", .float32), 8: ("int8", .int8), 9: ("uint8", .uint8),
        10: ("int16", .int16), 11: ("uint16", .uint16), 12: ("int32", .int32), 13: ("uint32", .uint32),
        14: ("int64", .int64), 15: ("uint64", .uint64), 16: ("function", nil), 17: ("opaque", nil),
    ]

    struct Tag {
        let type: UInt32
        let length: Int
        let dataOffset: Int
        /// Where the next element starts (data padded to 8 bytes).
        let next: Int
    }

    /// Reads a tag; the "small data element" form packs type and length (≤ 4) into one word.
    static func tag(_ r: ByteReader, at o: Int) throws -> Tag {
        let first = try r.u32(o, "element tag")
        if first >> 16 != 0 {
            let length = Int(first >> 16)
            guard length <= 4 else {
                throw ReticleError(.corrupt, file: r.file, "small data element at byte \(o) claims \(length) bytes (at most 4)")
            }
            return Tag(type: first & 0xFFFF, length: length, dataOffset: o + 4, next: o + 8)
        }
        let length = Int(try r.u32(o + 4, "element size"))
        try r.check(o + 8, length, "data element")
        let padded = (length + 7) & ~7
        return Tag(type: first, length: length, dataOffset: o + 8, next: o + 8 + padded)
    }

    /// Parses one miMATRIX element; nil for an empty element that only reserves a slot.
    /// `depth` counts the structs and cells around it: a hostile file cannot nest without bound.
    static func matrix(_ r: ByteReader, _ element: Tag, file: String, depth: Int = 0) throws -> MatVariable? {
        if element.length == 0 { return nil }
        guard depth <= maxNesting else {
            throw ReticleError(.corrupt, file: file, "arrays nested more than \(maxNesting) structs or cells deep at byte \(element.dataOffset)")
        }
        /// A struct field or cell element: an array of its own (empty ones are 0 × 0 doubles, as MATLAB shows them).
        func child(_ t: Tag, named childName: String) throws -> MatVariable {
            guard t.type == miMATRIX else {
                throw ReticleError(.corrupt, file: file, "struct or cell at byte \(element.dataOffset) holds an element of type \(t.type), not an array")
            }
            guard let v = try matrix(r, t, file: file, depth: depth + 1) else {
                return MatVariable(name: childName, matlabClass: "double", dimensions: [0, 0], isComplex: false)
            }
            return v.renamed(childName)
        }
        let end = element.dataOffset + element.length
        var o = element.dataOffset
        func sub(_ what: String) throws -> Tag {
            guard end - o >= 8 else {
                throw ReticleError(.corrupt, file: file, "array at byte \(element.dataOffset) ends before its \(what)")
            }
            let t = try MatFile.tag(r, at: o)
            guard t.dataOffset + t.length <= end else {
                throw ReticleError(.corrupt, file: file, "\(what) at byte \(o) runs past the end of its array")
            }
            o = min(t.next, end)
            return t
        }
        let flagsTag = try sub("array flags")
        guard flagsTag.length >= 4 else { throw ReticleError(.corrupt, file: file, "array flags at byte \(element.dataOffset) too short") }
        let flags = try r.u32(flagsTag.dataOffset)
        let classCode = UInt8(flags & 0xFF)
        let isComplex = flags & 0x800 != 0
        let isLogical = flags & 0x200 != 0
        guard let (className, classType) = classes[classCode] else {
            throw ReticleError(.corrupt, file: file, "unknown MATLAB array class \(classCode) at byte \(element.dataOffset)")
        }
        // Function handles and opaque objects do not follow the numeric layout; list them by class only.
        if classCode >= 16 { return MatVariable(name: "", matlabClass: className, dimensions: [], isComplex: false) }

        let dimsTag = try sub("dimensions")
        guard dimsTag.type == miINT32, dimsTag.length % 4 == 0, dimsTag.length >= 8 else {
            throw ReticleError(.corrupt, file: file, "array at byte \(element.dataOffset) has malformed dimensions")
        }
        var dims: [Int] = []
        var total = 1
        for i in 0..<(dimsTag.length / 4) {
            let d = Int(try r.i32(dimsTag.dataOffset + 4 * i))
            guard d >= 0 else { throw ReticleError(.corrupt, file: file, "negative dimension \(d) at byte \(dimsTag.dataOffset)") }
            let (p, overflow) = total.multipliedReportingOverflow(by: d)
            guard !overflow, p < (1 << 40) else {
                throw ReticleError(.corrupt, file: file, "array dimensions \(dims + [d]) are impossibly large")
            }
            total = p
            dims.append(d)
        }
        let nameTag = try sub("array name")
        let name = try r.text(nameTag.dataOffset, nameTag.length, "array name")
        let displayClass = isLogical ? "logical" : className

        switch classCode {
        case 2:  // struct: field-name length, then the names packed at that width
            let lenTag = try sub("field name length")
            let width = Int(try r.i32(lenTag.dataOffset))
            let namesTag = try sub("field names")
            var fields: [String] = []
            if width > 0 {
                for i in 0..<(namesTag.length / width) {
                    fields.append(try r.text(namesTag.dataOffset + i * width, width, "field name"))
                }
            }
            // Then, element after element, one array per field.
            var values: [MatVariable] = []
            if !fields.isEmpty {
                while end - o >= 8, values.count < total * fields.count {
                    let field = fields[values.count % fields.count]
                    values.append(try child(sub("field '\(field)' of '\(name)'"), named: field))
                }
            }
            return MatVariable(name: name, matlabClass: displayClass, dimensions: dims, isComplex: false, fieldNames: fields, children: values)
        case 1:  // cell: one array per element, column-major
            var elements: [MatVariable] = []
            while end - o >= 8, elements.count < total {
                elements.append(try child(sub("element \(elements.count + 1) of '\(name)'"), named: ""))
            }
            return MatVariable(name: name, matlabClass: displayClass, dimensions: dims, isComplex: false, children: elements)
        case 6...15:
            let realTag = try sub("real part")
            guard let storage = storageTypes[realTag.type] else {
                throw ReticleError(.corrupt, file: file, "array '\(name)' stores its values as unknown type \(realTag.type)")
            }
            guard realTag.length == total * storage.byteCount else {
                throw ReticleError(.corrupt, file: file,
                                   "array '\(name)' is \(dims.map(String.init).joined(separator: "x")) (\(total) values) but holds \(realTag.length) bytes of \(storage.name)")
            }
            let payload = try r.slice(realTag.dataOffset, realTag.length, "values of '\(name)'")
            return MatVariable(name: name, matlabClass: displayClass, dimensions: dims, isComplex: isComplex,
                               classType: classType, storageType: storage, payload: payload, swapped: r.bigEndian != (UInt16(1).bigEndian == 1))
        default:
            return MatVariable(name: name, matlabClass: displayClass, dimensions: dims, isComplex: isComplex)
        }
    }
}
