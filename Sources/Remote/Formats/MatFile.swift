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

    /// The cube in variable `name`, or else the largest real 3-D numeric array. Wavelengths come from a
    /// vector variable whose name contains "wav" and whose length equals the band count.
    public func cube(variable name: String? = nil) throws -> HyperspectralCube {
        let chosen: MatVariable
        if let name {
            guard let v = variable(name) else {
                throw ReticleError(.usage, file: path, "no variable '\(name)'; variables: \(variables.map(\.name).joined(separator: ", "))")
            }
            chosen = v
        } else {
            let candidates = variables.filter { $0.isNumeric && $0.dimensions.count == 3 }
            guard let best = candidates.max(by: { $0.elementCount < $1.elementCount }) else {
                let listing = variables.map { "\($0.name) (\($0.matlabClass) \($0.dimensions.map(String.init).joined(separator: "x")))" }
                throw ReticleError(.unsupported, file: path,
                                   "no 3-D numeric array to read as a cube; variables: \(listing.joined(separator: ", "))")
            }
            chosen = best
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
    static func matrix(_ r: ByteReader, _ element: Tag, file: String) throws -> MatVariable? {
        if element.length == 0 { return nil }
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
            return MatVariable(name: name, matlabClass: displayClass, dimensions: dims, isComplex: false, fieldNames: fields)
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
