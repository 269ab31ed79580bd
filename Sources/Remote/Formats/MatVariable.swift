// One variable of a MATLAB v5 MAT-file: name, class, dimensions and, for numeric arrays, the
// stored real part (kept in its on-disk type until asked for, since MATLAB may store narrower than the class).

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
    /// The class's numeric type (nil for char/struct/cell/sparse/object).
    public let classType: CubeSampleType?
    /// How the real part is stored (MATLAB may write a double array as miUINT8 when values fit).
    /// scipy.io.loadmat returns arrays in this type, not the class's.
    public let storageType: CubeSampleType?
    let payload: Data?
    let swapped: Bool

    init(name: String, matlabClass: String, dimensions: [Int], isComplex: Bool, fieldNames: [String] = [],
         classType: CubeSampleType? = nil, storageType: CubeSampleType? = nil, payload: Data? = nil, swapped: Bool = false) {
        self.name = name
        self.matlabClass = matlabClass
        self.dimensions = dimensions
        self.isComplex = isComplex
        self.fieldNames = fieldNames
        self.classType = classType
        self.storageType = storageType
        self.payload = payload
        self.swapped = swapped
    }

    public var elementCount: Int { dimensions.reduce(1, *) }

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
