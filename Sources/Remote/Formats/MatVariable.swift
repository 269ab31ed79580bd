// One variable of a MATLAB v5 MAT-file: name, class, dimensions and, for numeric arrays, the
// stored real part (kept in its on-disk type until asked for, since MATLAB may store narrower than the class);
// for structs and cells, the values they hold, so a cube inside a struct (MUUFL's hsi.Data) can be read.

import Foundation
import Shared

public struct MatVariable: Sendable {
    public let name: String
    /// MATLAB class name: "double", "single", "int16", "uint8", "char", "struct", "cell", "logical", ...
    public let matlabClass: String
    /// Dimensions as MATLAB reports them (column-major: rows, columns, pages...).
    public let dimensions: [Int]
    public let isComplex: Bool
    /// Field names of a struct (empty otherwise).
    public let fieldNames: [String]
    /// A struct's field values, element after element (each element's fields in `fieldNames` order),
    /// or a cell array's elements in column-major order; empty for other classes.
    public let children: [MatVariable]
    /// The class's numeric type (nil for char/struct/cell/sparse/object).
    public let classType: CubeSampleType?
    /// How the real part is stored (MATLAB may write a double array as miUINT8 when values fit).
    /// scipy.io.loadmat returns arrays in this type, not the class's.
    public let storageType: CubeSampleType?
    let payload: Data?
    let swapped: Bool

    init(name: String, matlabClass: String, dimensions: [Int], isComplex: Bool, fieldNames: [String] = [], children: [MatVariable] = [],
         classType: CubeSampleType? = nil, storageType: CubeSampleType? = nil, payload: Data? = nil, swapped: Bool = false) {
        self.name = name
        self.matlabClass = matlabClass
        self.dimensions = dimensions
        self.isComplex = isComplex
        self.fieldNames = fieldNames
        self.children = children
        self.classType = classType
        self.storageType = storageType
        self.payload = payload
        self.swapped = swapped
    }

    public var elementCount: Int { dimensions.reduce(1, *) }

    /// The same variable under another name (a struct field or cell element has none of its own).
    func renamed(_ newName: String) -> MatVariable {
        MatVariable(name: newName, matlabClass: matlabClass, dimensions: dimensions, isComplex: isComplex, fieldNames: fieldNames,
                    children: children, classType: classType, storageType: storageType, payload: payload, swapped: swapped)
    }

    /// Element `index` (0-based, column-major) of a struct array (as a 1 × 1 struct) or of a cell array.
    func element(_ index: Int) -> MatVariable? {
        guard index >= 0, index < elementCount else { return nil }
        switch matlabClass {
        case "cell":
            return index < children.count ? children[index] : nil
        case "struct":
            let n = fieldNames.count
            guard (index + 1) * n <= children.count else { return nil }
            return MatVariable(name: name, matlabClass: "struct", dimensions: [1, 1], isComplex: false, fieldNames: fieldNames,
                               children: Array(children[(index * n)..<((index + 1) * n)]))
        default:
            return nil
        }
    }

    /// Field `field` of the first element of a struct.
    func field(_ field: String) -> MatVariable? {
        guard matlabClass == "struct", let i = fieldNames.firstIndex(of: field), i < children.count else { return nil }
        return children[i]
    }

    /// True for a real numeric array whose values were read.
    public var isNumeric: Bool { payload != nil && storageType != nil && !isComplex }

    /// The values as Double in MATLAB's column-major order (small vectors: wavelengths, spectra).
    public func doubles() throws -> [Double] {
        guard let payload, let storageType, !isComplex else {
            throw ReticleError(.unsupported, "variable '\(name)' (\(matlabClass)) is not a real numeric array")
        }
        return payload.withUnsafeBytes { storageType.doubles($0.baseAddress!, count: elementCount, swapped: swapped) }
    }

    /// The values as Float32 in column-major order.
    public func floats() throws -> [Float] {
        guard let payload, let storageType, !isComplex else {
            throw ReticleError(.unsupported, "variable '\(name)' (\(matlabClass)) is not a real numeric array")
        }
        var out = [Float](repeating: 0, count: elementCount)
        payload.withUnsafeBytes { src in
            out.withUnsafeMutableBufferPointer { dst in
                storageType.convert(src.baseAddress!, count: elementCount, swapped: swapped, into: dst.baseAddress!, stride: 1)
            }
        }
        return out
    }

    /// A rows × cols × bands array as a cube: MATLAB rows become lines, columns become samples.
    /// Column-major storage means each band's column is a contiguous run of `rows` values that
    /// lands `cols` apart in the cube's row-major band plane.
    func cube(file: String) throws -> HyperspectralCube {
        guard let payload, let storageType, !isComplex, (2...3).contains(dimensions.count) else {
            throw ReticleError(.unsupported, file: file, "variable '\(name)' is not a real 2-D or 3-D numeric array")
        }
        let rows = dimensions[0], cols = dimensions[1], bands = dimensions.count == 3 ? dimensions[2] : 1
        let plane = rows * cols
        var values = [Float](repeating: 0, count: plane * bands)
        let size = storageType.byteCount
        payload.withUnsafeBytes { raw in
            let src = raw.baseAddress!
            values.withUnsafeMutableBufferPointer { out in
                let dst = out.baseAddress!
                for b in 0..<bands {
                    for c in 0..<cols {
                        storageType.convert(src + ((b * cols + c) * rows) * size, count: rows, swapped: swapped,
                                            into: dst + b * plane + c, stride: cols)
                    }
                }
            }
        }
        return HyperspectralCube(samples: cols, lines: rows, bands: bands, values: values,
                                 sourceType: classType ?? storageType, source: file)
    }
}
