// ENVI reader: the corpus headers and cube against spectral's reading, every interleave and type on
// synthetic cubes, and hostile headers/data files that must fail with a ReticleError naming the file.

import Foundation
import Remote
import Shared
import TestSupport
import XCTest

final class EnviReaderTests: XCTestCase {
    func testFenixCubeMatchesSpectral() throws {
        let path = try RemoteFixture.corpus("hsi/fenix_Radiometric_8x2_1x1.hdr")
        let e = try RemoteFixture.expected("hsi/fenix_Radiometric_8x2_1x1.hdr")
        let cube = try EnviReader.read(path)
        let shape = e["cube"]?["shape"]?.arrayValue?.compactMap(\.intValue) ?? []
        XCTAssertEqual([cube.lines, cube.samples, cube.bands], shape)
        XCTAssertEqual(cube.sourceType.name, e["cube"]?["dtype"]?.stringValue)
        let st = cube.statistics()
        XCTAssertEqual(st.min, e["cube"]?["min"]?.doubleValue ?? .nan, accuracy: 1e-9)
        XCTAssertEqual(st.max, e["cube"]?["max"]?.doubleValue ?? .nan, accuracy: 1e-9)
        XCTAssertEqual(st.mean, e["cube"]?["mean"]?.doubleValue ?? .nan, accuracy: 1e-6)
        XCTAssertEqual(RemoteFixture.cubeHash(cube, as: .float32), e["cube"]?["sha256"]?.stringValue)
        XCTAssertEqual(cube.wavelengths?.count, e["wavelength_count"]?.intValue)
        XCTAssertEqual(cube.wavelengths?.first, RemoteFixture.doubles(e["wavelength_first_last"]).first)
        XCTAssertEqual(cube.wavelengths?.last, RemoteFixture.doubles(e["wavelength_first_last"]).last)
        // Reading through the data file finds the same header.
        let viaData = try EnviReader.read(try RemoteFixture.corpus("hsi/fenix_Radiometric_8x2_1x1.dat"))
        XCTAssertEqual(viaData.values, cube.values)
    }

    func testEveryCorpusHeaderParsesLikeSpectral() throws {
        for name in ["fenix_Radiometric_8x2_1x1.hdr", "hylite_image.hdr", "hylite_hypercloud.hdr"] {
            let path = try RemoteFixture.corpus("hsi/\(name)")
            let e = try RemoteFixture.expected("hsi/\(name)")
            let h = try EnviHeader.read(path: path)
            let keys = e["header_keys"]?.arrayValue?.compactMap(\.stringValue) ?? []
            XCTAssertEqual(h.keys.sorted(), keys.sorted(), name)
            for k in ["samples", "lines", "bands", "data type", "interleave", "byte order", "header offset"] {
                XCTAssertEqual(h.string(k), e[k]?.stringValue, "\(name) \(k)")
            }
            let w = try h.wavelengths()
            XCTAssertEqual(w?.count, e["wavelength_count"]?.intValue, name)
            XCTAssertEqual(w?.first, RemoteFixture.doubles(e["wavelength_first_last"]).first, name)
            XCTAssertEqual(w?.last, RemoteFixture.doubles(e["wavelength_first_last"]).last, name)
        }
    }

    func testHyliteHeadersWithoutDataFailCleanly() throws {
        for name in ["hylite_image.hdr", "hylite_hypercloud.hdr"] {
            let path = try RemoteFixture.corpus("hsi/\(name)")
            RemoteFixture.assertFails(naming: path, { _ = try EnviReader.read(path) })
            do { _ = try EnviReader.read(path) } catch let e as ReticleError {
                XCTAssertTrue(e.reason.contains("no data file"), e.description)
            }
            // Inspect still describes the header and says what is missing.
            let o = try EnviInspector().inspect(path: path, options: InspectOptions())
            XCTAssertEqual(o["data_file"], .null)
            XCTAssertNotNil(o["problem"]?.stringValue)
        }
        let h = try EnviHeader.read(path: try RemoteFixture.corpus("hsi/hylite_image.hdr"))
        XCTAssertEqual(h.string("description"), "demo image")
        XCTAssertEqual(h.wavelengthUnits, "nm")
    }

    /// Writes a 3 × 2 × 4 cube (value = 50·band + 10·line + sample) in every layout and type.
    func testAllInterleavesTypesAndByteOrders() throws {
        let dir = makeTemporaryDirectory("envi")
        defer { try? FileManager.default.removeItem(at: dir) }
        let (S, L, B) = (3, 2, 4)
        func value(_ s: Int, _ l: Int, _ b: Int) -> Double { Double(50 * b + 10 * l + s) }
        let types: [(Int, CubeSampleType)] = [(1, .uint8), (2, .int16), (3, .int32), (4, .float32), (5, .float64),
                                          (12, .uint16), (13, .uint32), (14, .int64), (15, .uint64)]
        for (code, type) in types {
            for interleave in ["bsq", "bil", "bip"] {
                for big in [false, true] {
                    var order: [(Int, Int, Int)] = []
                    for a in 0..<(interleave == "bsq" ? B : L) {
                        for m in 0..<(interleave == "bsq" ? L : interleave == "bil" ? B : S) {
                            for n in 0..<(interleave == "bip" ? B : S) {
                                switch interleave {
                                case "bsq": order.append((n, m, a))
                                case "bil": order.append((n, a, m))
                                default: order.append((m, a, n))
                                }
                            }
                        }
                    }
                    var data = [UInt8](repeating: 0xEE, count: 7)  // header offset 7
                    for (s, l, b) in order {
                        var bytes = Self.encode(value(s, l, b), type)
                        if big { bytes.reverse() }
                        data += bytes
                    }
                    let base = dir.appendingPathComponent("c\(code)\(interleave)\(big)").path
                    try Data(data).write(to: URL(fileURLWithPath: base + ".img"))
                    try """
                    ENVI
                    samples = \(S)
                    lines   = \(L)
                    bands = \(B)
                    header offset = 7
                    data type = \(code)
                    interleave = \(interleave.uppercased())
                    byte order = \(big ? 1 : 0)
                    map info = {UTM, 1.0, 1.0, 500000.0, 4100000.0, 2.5, 2.5, 33, North, WGS-84, units=Meters}
                    data ignore value = -9999
                    wavelength units = Nanometers
                    wavelength = {
                      400.0, 500.0,
                      600.0, 700.0 }
                    """.write(toFile: base + ".hdr", atomically: true, encoding: .utf8)
                    let cube = try EnviReader.read(base + ".hdr")
                    XCTAssertEqual([cube.samples, cube.lines, cube.bands], [S, L, B])
                    for b in 0..<B { for l in 0..<L { for s in 0..<S {
                        XCTAssertEqual(Double(cube[sample: s, line: l, band: b]), value(s, l, b), "\(type) \(interleave) big=\(big)")
                    } } }
                    XCTAssertEqual(cube.wavelengths, [400, 500, 600, 700])
                    XCTAssertEqual(cube.mapInfo?.pixelSizeX, 2.5)
                    XCTAssertEqual(cube.mapInfo?.zone, 33)
                    XCTAssertEqual(cube.mapInfo?.units, "Meters")
                    XCTAssertEqual(cube.mapInfo?.datum, "WGS-84")
                    XCTAssertEqual(cube.noDataValue, -9999)
                    XCTAssertEqual(cube.tensor().shape, [1, B, L, S])
                }
            }
        }
    }

    static func encode(_ v: Double, _ t: CubeSampleType) -> [UInt8] {
        func le<T>(_ x: T) -> [UInt8] { withUnsafeBytes(of: x) { Array($0) } }
        switch t {
        case .uint8: return [UInt8(v)]
        case .int8: return [UInt8(bitPattern: Int8(v))]
        case .int16: return le(Int16(v).littleEndian)
        case .uint16: return le(UInt16(v).littleEndian)
        case .int32: return le(Int32(v).littleEndian)
        case .uint32: return le(UInt32(v).littleEndian)
        case .int64: return le(Int64(v).littleEndian)
        case .uint64: return le(UInt64(v).littleEndian)
        case .float32: return le(Float(v).bitPattern.littleEndian)
        case .float64: return le(v.bitPattern.littleEndian)
        }
    }

    func testHostileHeadersAndDataFiles() throws {
        let dir = makeTemporaryDirectory("envi-hostile")
        defer { try? FileManager.default.removeItem(at: dir) }
        func make(_ name: String, header: String, data: Int?) -> String {
            let h = dir.appendingPathComponent(name + ".hdr").path
            try! header.write(toFile: h, atomically: true, encoding: .utf8)
            if let data { try! Data(count: data).write(to: URL(fileURLWithPath: dir.appendingPathComponent(name + ".dat").path)) }
            return h
        }
        let base = "samples = 10\nlines = 10\ninterleave = bsq\nbyte order = 0\n"
        let cases: [(String, String, Int?)] = [
            ("short", "ENVI\n\(base)bands = 5\ndata type = 4\n", 10 * 10 * 5 * 4 - 1),          // one byte short
            ("offset", "ENVI\n\(base)bands = 1\ndata type = 1\nheader offset = 1000\n", 100),   // offset past end
            ("huge", "ENVI\nsamples = 4000000000\nlines = 4000000000\nbands = 4000000000\ndata type = 5\n", 64),
            ("negative", "ENVI\nsamples = -3\nlines = 2\nbands = 1\ndata type = 1\n", 64),
            ("complex", "ENVI\n\(base)bands = 1\ndata type = 6\n", 800),
            ("badtype", "ENVI\n\(base)bands = 1\ndata type = 99\n", 800),
            ("notint", "ENVI\nsamples = ten\nlines = 1\nbands = 1\ndata type = 1\n", 8),
            ("unclosed", "ENVI\n\(base)bands = 1\ndata type = 1\nwavelength = {1, 2,\n3\n", 100),
            ("badinterleave", "ENVI\nsamples = 1\nlines = 1\nbands = 1\ndata type = 1\ninterleave = xyz\n", 8),
            ("notenvi", "samples = 1\nlines = 1\nbands = 1\ndata type = 1\n", 8),
            ("missing", "ENVI\nlines = 1\nbands = 1\ndata type = 1\n", 8),
        ]
        for (name, header, size) in cases {
            let h = make(name, header: header, data: size)
            RemoteFixture.assertFails(naming: name, { _ = try EnviReader.read(h) }, name)
        }
    }
    /// Reliability: offsets and sizes at the ends of Int (and products that overflow) must fail with a
    /// ReticleError naming the file and the field, through the reader and through `reticle inspect`,
    /// never trap on integer overflow.
    func testExtremeOffsetsAndSizesFailWithoutTrapping() throws {
        let dir = makeTemporaryDirectory("envi-extreme")
        defer { try? FileManager.default.removeItem(at: dir) }
        let base = "samples = 4\nlines = 4\nbands = 2\ndata type = 1\ninterleave = bsq\n"
        let big = "\(Int.max)", small = "\(Int.min)"
        let cases: [(name: String, header: String, field: String)] = [
            ("offmin", "ENVI\n\(base)header offset = \(small)\n", "header offset"),
            ("offneg", "ENVI\n\(base)header offset = -1\n", "header offset"),
            ("offmax", "ENVI\n\(base)header offset = \(big)\n", "header offset"),
            ("samplesmax", "ENVI\nsamples = \(big)\nlines = 4\nbands = 2\ndata type = 1\n", "cube size"),
            ("linesmin", "ENVI\nsamples = 4\nlines = \(small)\nbands = 2\ndata type = 1\n", "cube size"),
            ("bandsmax", "ENVI\nsamples = 3037000500\nlines = 3037000500\nbands = \(big)\ndata type = 15\n", "cube size"),
            ("product", "ENVI\nsamples = 4294967296\nlines = 4294967296\nbands = 1\ndata type = 1\n", "cube size"),
            ("allmin", "ENVI\nsamples = \(small)\nlines = \(small)\nbands = \(small)\ndata type = 1\nheader offset = \(small)\n", "header offset"),
        ]
        for c in cases {
            let h = dir.appendingPathComponent(c.name + ".hdr").path
            try c.header.write(toFile: h, atomically: true, encoding: .utf8)
            try Data(count: 32).write(to: dir.appendingPathComponent(c.name + ".dat"))
            RemoteFixture.assertFails(naming: h, { _ = try EnviReader.read(h) }, c.name)
            RemoteFixture.assertFails(naming: h, { _ = try EnviInspector().inspect(path: h, options: InspectOptions()) }, c.name)
            do { _ = try EnviReader.read(h) } catch let e as ReticleError {
                XCTAssertTrue(e.reason.contains(c.field), "\(c.name): \(e)")
            }
        }
        // The same header with a sane offset reads.
        let ok = dir.appendingPathComponent("ok.hdr").path
        try "ENVI\n\(base)header offset = 0\n".write(toFile: ok, atomically: true, encoding: .utf8)
        try Data(count: 32).write(to: dir.appendingPathComponent("ok.dat"))
        XCTAssertEqual(try EnviReader.read(ok).values.count, 32)
    }
}
