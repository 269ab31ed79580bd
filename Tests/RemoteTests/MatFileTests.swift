// MATLAB v5 reader: the corpus files against scipy.io.loadmat (classes, shapes, statistics, hashes),
// column-major orientation on a synthetic file, and hostile files that must fail cleanly.

import Foundation
import Remote
import Shared
import TestSupport
import XCTest

final class MatFileTests: XCTestCase {
    static let files = ["a_hsi_img_for_VI_demo.mat", "an_hsi_image_sub_for_demo.mat",
                        "an_hsi_img_for_class_demo.mat", "an_hsi_img_for_tgt_det_demo.mat"]

    func testCorpusVariablesMatchScipy() throws {
        for name in Self.files {
            let path = try RemoteFixture.corpus("hsi/\(name)")
            let expected = try RemoteFixture.expected("hsi/\(name)")
            let mat = try MatFile(path: path)
            guard let vars = expected["variables"]?.objectValue else { return XCTFail("no variables for \(name)") }
            XCTAssertEqual(Set(mat.variables.map(\.name)), Set(vars.keys), name)
            for (key, e) in vars {
                guard let v = mat.variable(key) else { continue }
                let shape = e["shape"]?.arrayValue?.compactMap(\.intValue)
                XCTAssertEqual(v.dimensions, shape, "\(name) \(key)")
                if let fields = e["struct_fields"]?.arrayValue?.compactMap(\.stringValue) {
                    XCTAssertEqual(v.matlabClass, "struct")
                    XCTAssertEqual(v.fieldNames, fields, "\(name) \(key)")
                    continue
                }
                // scipy keeps the stored type (a double array stored as uint8 loads as uint8).
                XCTAssertEqual(v.storageType?.name, e["dtype"]?.stringValue, "\(name) \(key)")
                let values = try v.doubles()
                XCTAssertEqual(values.min() ?? .nan, e["min"]?.doubleValue ?? .nan, accuracy: 1e-9, "\(name) \(key)")
                XCTAssertEqual(values.max() ?? .nan, e["max"]?.doubleValue ?? .nan, accuracy: 1e-9, "\(name) \(key)")
                let mean = values.reduce(0, +) / Double(values.count)
                XCTAssertEqual(mean, e["mean"]?.doubleValue ?? .nan, accuracy: 1e-5 * max(1, abs(mean)), "\(name) \(key)")
            }
        }
    }

    func testCubesMatchScipyHashes() throws {
        for name in Self.files {
            let path = try RemoteFixture.corpus("hsi/\(name)")
            let expected = try RemoteFixture.expected("hsi/\(name)")
            let cube = try MatFile(path: path).cube()
            guard let (key, e) = expected["variables"]?.objectValue?.first(where: { $0.value["shape"]?.arrayValue?.count == 3 }) else {
                return XCTFail("no 3-D variable expected in \(name)")
            }
            XCTAssertEqual([cube.lines, cube.samples, cube.bands], e["shape"]?.arrayValue?.compactMap(\.intValue), "\(name) \(key)")
            XCTAssertEqual(cube.sourceType.name, e["dtype"]?.stringValue)
            // The hash of the (rows, cols, bands) C-order array proves the column-major transposition.
            XCTAssertEqual(RemoteFixture.cubeHash(cube, as: cube.sourceType), e["sha256"]?.stringValue, name)
            XCTAssertEqual(cube.wavelengths?.count, cube.bands, name)
            XCTAssertEqual(cube.wavelengthUnits, "nm (assumed)")
            XCTAssertEqual(cube.wavelengths?.first ?? 0, 365, accuracy: 10)
        }
    }

    /// A 2 × 3 × 2 double array written column-major: element (r, c, b) = 100b + 10r + c.
    static func syntheticMat(dims: [Int32], values: [Double]?, storedBytes: Int? = nil, magic: String = "MATLAB 5.0 MAT-file, test") -> [UInt8] {
        var w = ByteWriter()
        w.text(magic.padding(toLength: 116, withPad: " ", startingAt: 0), 116)
        w.text("", 8)
        w.u16(0x0100)
        w.u16(0x4D49)  // "MI" as a 16-bit value: the bytes "IM" in a little-endian file
        var body = ByteWriter()
        body.u32(6); body.u32(8); body.u32(6); body.u32(0)                 // array flags: class double
        body.u32(5); body.u32(UInt32(dims.count * 4)); dims.forEach { body.i32($0) }; body.pad8()
        body.u32(0x0004_0001); body.text("cube", 4)                        // small element name
        let payload = values ?? []
        body.u32(9); body.u32(UInt32(storedBytes ?? payload.count * 8)); payload.forEach { body.f64($0) }; body.pad8()
        w.u32(14); w.u32(UInt32(body.bytes.count)); w.bytes += body.bytes
        return w.bytes
    }

    func testColumnMajorOrientation() throws {
        let dir = makeTemporaryDirectory("mat")
        defer { try? FileManager.default.removeItem(at: dir) }
        var values: [Double] = []
        for b in 0..<2 { for c in 0..<3 { for r in 0..<2 { values.append(Double(100 * b + 10 * r + c)) } } }
        let path = RemoteFixture.write(Self.syntheticMat(dims: [2, 3, 2], values: values), name: "cube.mat", in: dir)
        let cube = try MatFile(path: path).cube(variable: "cube")
        XCTAssertEqual([cube.lines, cube.samples, cube.bands], [2, 3, 2])
        for b in 0..<2 { for r in 0..<2 { for c in 0..<3 {
            XCTAssertEqual(cube[sample: c, line: r, band: b], Float(100 * b + 10 * r + c))
        } } }
        let o = try MatInspector().inspect(path: path, options: InspectOptions())
        XCTAssertEqual(Array(o.keys.prefix(2)), ["kind", "format"])
        XCTAssertEqual(o["cube_variable"], "cube")
    }

    func testHostileFilesFailCleanly() throws {
        let dir = makeTemporaryDirectory("mat-hostile")
        defer { try? FileManager.default.removeItem(at: dir) }
        var cases: [(String, [UInt8])] = [
            ("huge.mat", Self.syntheticMat(dims: [100000, 100000, 100000], values: [1, 2])),
            ("lying.mat", Self.syntheticMat(dims: [2, 2, 2], values: [1, 2, 3])),
            ("negative.mat", Self.syntheticMat(dims: [-1, 2, 2], values: [])),
            ("magic.mat", Self.syntheticMat(dims: [1, 1], values: [1], magic: "NOT A MAT FILE")),
            ("tiny.mat", Array("MATLAB 5.0 MAT-file".utf8)),
            ("overlong.mat", Self.syntheticMat(dims: [2, 1], values: [1, 2], storedBytes: 1 << 30)),
        ]
        if let real = Corpus.path("hsi/an_hsi_img_for_class_demo.mat"), let data = FileManager.default.contents(atPath: real) {
            let bytes = [UInt8](data)
            cases.append(("truncated.mat", Array(bytes.prefix(bytes.count / 2))))
            var flipped = bytes
            for i in stride(from: 200, to: min(flipped.count, 4000), by: 7) { flipped[i] ^= 0x5A }
            cases.append(("flipped.mat", flipped))
            var badLength = bytes
            badLength[132] = 0xFF; badLength[133] = 0xFF; badLength[134] = 0xFF; badLength[135] = 0x7F
            cases.append(("badlength.mat", badLength))
        }
        for (name, bytes) in cases {
            let path = RemoteFixture.write(bytes, name: name, in: dir)
            RemoteFixture.assertFails(naming: name, { _ = try MatFile(path: path).cube() }, name)
        }
    }
}
