// GeoTIFF: conformance with tifffile's reading of the rasterio test files in the corpus,
// round trips over every layout/compression/type the writer offers, hostile files, and
// (when installed) GDAL's own reading of a written file.

import Foundation
@testable import Remote
import Shared
import TestSupport
import XCTest

final class GeoTIFFTests: XCTestCase {
    /// sha256 prefix of the samples in tifffile's array order: (lines, samples, bands) for
    /// pixel-interleaved pages, (bands, lines, samples) for planar ones, (lines, samples) for one band.
    static func hash(_ cube: HyperspectralCube, planar: Bool, as type: CubeSampleType) -> String {
        if planar || cube.bands == 1 {
            return String(FileFingerprint.sha256(Data(type.encode(cube.values))).prefix(16))
        }
        return RemoteFixture.cubeHash(cube, as: type)
    }

    func testCorpusFilesMatchTifffile() throws {
        let names = ["byte.tif", "RGB.byte.tif", "shade.tif", "rgb_lzw.tif", "rgb_deflate.tif", "float32.tif",
                     "float_nan.tif", "cogeo.tif"]
        for name in names {
            let path = try RemoteFixture.corpus("geotiff/\(name)")
            let e = try RemoteFixture.expected("geotiff/\(name)")
            let info = try GeoTIFFReader.info(path)
            let cube = try GeoTIFFReader.read(path)
            let shape = e["shape"]?.arrayValue?.compactMap(\.intValue) ?? []
            let planar = e["planar"]?.intValue == 2
            let expectedShape = shape.count == 2 ? [shape[0], shape[1], 1]
                : planar ? [shape[1], shape[2], shape[0]] : shape
            XCTAssertEqual([cube.lines, cube.samples, cube.bands], expectedShape, name)
            XCTAssertEqual(info.sampleType.name, e["dtype"]?.stringValue, name)
            XCTAssertEqual(info.compression, e["compression"]?.stringValue, name)
            XCTAssertEqual(info.tiled, e["tiled"]?.boolValue, name)
            XCTAssertEqual(info.planarConfiguration, e["planar"]?.intValue, name)
            XCTAssertEqual(info.pages, e["pages"]?.intValue, name)
            XCTAssertEqual(info.geoReference.pixelScale, RemoteFixture.doubles(e["ModelPixelScaleTag"]), name)
            XCTAssertEqual(info.geoReference.tiepoints, RemoteFixture.doubles(e["ModelTiepointTag"]), name)
            XCTAssertEqual(info.geoReference.geoKeys.count, e["GeoKeyDirectoryTag_count"]?.intValue ?? 0, name)
            XCTAssertEqual(info.noData, e["GDAL_NODATA"]?.stringValue, name)
            let pixels = try XCTUnwrap(e["pixels"]?.objectValue)
            let all = cube.values.map(Double.init)
            if let mean = pixels["mean"]?.doubleValue, mean.isFinite {
                XCTAssertEqual(all.min()!, pixels["min"]!.doubleValue!, accuracy: 1e-6, name)
                XCTAssertEqual(all.max()!, pixels["max"]!.doubleValue!, accuracy: 1e-6, name)
                XCTAssertEqual(all.reduce(0, +) / Double(all.count), mean, accuracy: 1e-5, name)
            } else {
                XCTAssertTrue(cube.values.contains { $0.isNaN }, name)
                XCTAssertTrue(cube.noDataValue?.isNaN ?? false, name)
            }
            if info.compression != "JPEG" {  // JPEG decoders may differ in the last bit; the statistics above hold
                XCTAssertEqual(Self.hash(cube, planar: planar, as: info.sampleType), pixels["sha256"]?.stringValue, name)
            }
        }
    }

    func testCorpusGeotransformAndMapInfo() throws {
        let path = try RemoteFixture.corpus("geotiff/byte.tif")
        let cube = try GeoTIFFReader.read(path)
        // gdalinfo byte.tif: Origin = (440720, 3751320), Pixel Size = (60, -60), NAD27 / UTM zone 11N (EPSG 26711).
        let t = try XCTUnwrap(cube.geoTransform)
        XCTAssertEqual(t.coefficients, [440720, 60, 0, 3751320, 0, -60])
        XCTAssertEqual(cube.geoReference?.epsg, 26711)
        let corner = t.map(column: 20, row: 20)
        XCTAssertEqual(corner.x, 441920)
        XCTAssertEqual(corner.y, 3750120)
        let inspected = try GeoTIFFInspector().inspect(path: path, options: InspectOptions())
        XCTAssertEqual(inspected["epsg"]?.intValue, 26711)
        XCTAssertEqual(inspected["format"]?.stringValue, "GeoTIFF")
        XCTAssertTrue(GeoTIFFInspector().recognizes(path: path, header: try FileHeader.read(path: path, count: 4096)))
    }

    static func sampleCube(samples: Int, lines: Int, bands: Int, type: CubeSampleType, seed: UInt64) -> HyperspectralCube {
        var rng = SplitMix64(seed: seed)
        let values: [Float] = (0..<(samples * lines * bands)).map { _ in
            let u = Float(rng.next() % 1_000_000) / 1_000_000
            switch type {
            case .uint8: return (u * 255).rounded()
            case .int8: return (u * 255 - 128).rounded()
            case .uint16: return (u * 65535).rounded()
            case .int16: return (u * 60000 - 30000).rounded()
            case .int32, .int64: return (u * 2_000_000 - 1_000_000).rounded()
            case .uint32, .uint64: return (u * 2_000_000).rounded()
            case .float32, .float64: return u * 200 - 100
            }
        }
        var cube = HyperspectralCube(samples: samples, lines: lines, bands: bands, values: values, sourceType: type)
        cube.mapInfo = MapInfo(projection: "UTM", referencePixelX: 1, referencePixelY: 1, easting: 325_000.5,
                               northing: 3_350_000.25, pixelSizeX: 1, pixelSizeY: 1, zone: 16, hemisphere: "North",
                               datum: "WGS-84", units: "Meters")
        cube.noDataValue = -9999
        return cube
    }

    func testRoundTripEveryLayoutCompressionAndType() throws {
        let dir = makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let types: [CubeSampleType] = [.uint8, .int8, .uint16, .int16, .int32, .uint32, .float32, .float64]
        var n = 0
        for type in types {
            for compression in GeoTIFFWriteOptions.Compression.allCases {
                for interleave in GeoTIFFWriteOptions.Interleave.allCases {
                    for tile in [nil, 16] as [Int?] {
                        n += 1
                        let cube = Self.sampleCube(samples: 37, lines: 23, bands: 3, type: type, seed: UInt64(n))
                        let path = dir.appendingPathComponent("c\(n).tif").path
                        let options = GeoTIFFWriteOptions(compression: compression, interleave: interleave, tileSize: tile)
                        try GeoTIFFWriter.write(cube, to: path, options: options)
                        let back = try GeoTIFFReader.read(path)
                        let what = "\(type) \(compression) \(interleave) tile \(tile ?? 0)"
                        XCTAssertEqual(back.values, cube.values, what)
                        XCTAssertEqual(back.sourceType, type, what)
                        XCTAssertEqual(back.noDataValue, -9999, what)
                        XCTAssertEqual(back.geoReference?.epsg, 32616, what)
                        XCTAssertEqual(back.mapInfo?.zone, 16, what)
                        XCTAssertEqual(back.geoTransform?.coefficients, [325_000.5, 1, 0, 3_350_000.25, 0, -1], what)
                        let info = try GeoTIFFReader.info(path)
                        XCTAssertEqual(info.tiled, tile != nil, what)
                        XCTAssertEqual(info.planarConfiguration, interleave == .pixel ? 1 : 2, what)
                        XCTAssertEqual(info.compression, ["none": "NONE", "lzw": "LZW", "deflate": "ADOBE_DEFLATE"][compression.rawValue], what)
                    }
                }
            }
        }
    }

    func testWritingConvertsClampsAndKeepsGeoReference() throws {
        let dir = makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        var cube = HyperspectralCube(samples: 4, lines: 1, bands: 1, values: [-3.6, 12.5, 300, .nan])
        var ref = GeoReference(transform: GeoTransform(originX: 10, pixelWidth: 2, originY: 50, pixelHeight: -2),
                               epsg: 4326, geographic: true, citation: "WGS 84")
        ref.pixelScale[2] = 0
        cube.geoReference = ref
        let path = dir.appendingPathComponent("u8.tif").path
        try GeoTIFFWriter.write(cube, to: path, options: GeoTIFFWriteOptions(sampleType: .uint8))
        let back = try GeoTIFFReader.read(path)
        XCTAssertEqual(back.values, [0, 13, 255, 0])  // rounded to nearest (12.5 → 13 away from zero), clamped, NaN → 0
        XCTAssertEqual(back.geoReference, ref)
        XCTAssertEqual(back.geoReference?.textKey(.citation), "WGS 84")
        XCTAssertEqual(back.mapInfo?.projection, "Geographic Lat/Lon")
    }

    func testTruncatedAndCorruptFilesFailNamingTheFile() throws {
        let dir = makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let cube = Self.sampleCube(samples: 64, lines: 48, bands: 4, type: .int16, seed: 7)
        let good = dir.appendingPathComponent("good.tif").path
        try GeoTIFFWriter.write(cube, to: good, options: GeoTIFFWriteOptions(compression: .deflate, tileSize: 16))
        let bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: good)))
        for cut in [0, 3, 8, 100, bytes.count / 2, bytes.count - 40] {
            let path = RemoteFixture.write(Array(bytes.prefix(cut)), name: "cut\(cut).tif", in: dir)
            RemoteFixture.assertFails(naming: path, { _ = try GeoTIFFReader.read(path) }, "cut at \(cut)")
        }
        // Garbage behind a valid signature.
        var rng = SplitMix64(seed: 11)
        let garbage = [0x49, 0x49, 42, 0] + (0..<2000).map { _ in UInt8(truncatingIfNeeded: rng.next()) }
        let g = RemoteFixture.write(garbage, name: "garbage.tif", in: dir)
        RemoteFixture.assertFails(naming: g, { _ = try GeoTIFFReader.read(g) })
        // Seeded mutations: a ReticleError or a successful read, never a crash.
        for i in 0..<40 {
            var m = bytes
            for _ in 0..<8 { m[Int(rng.next() % UInt64(m.count))] = UInt8(truncatingIfNeeded: rng.next()) }
            let path = RemoteFixture.write(m, name: "m\(i).tif", in: dir)
            do { _ = try GeoTIFFReader.read(path) } catch let e as ReticleError {
                XCTAssertTrue(e.description.contains("m\(i).tif"), "\(e)")
            }
        }
        RemoteFixture.assertFails(naming: "absent.tif", { _ = try GeoTIFFReader.read(dir.appendingPathComponent("absent.tif").path) })
    }

    func testGdalinfoReadsTheWrittenFile() throws {
        guard let gdalinfo = ["/usr/bin/gdalinfo", "/usr/local/bin/gdalinfo"].first(where: { FileManager.default.isExecutableFile(atPath: $0) }) else {
            throw XCTSkip("gdalinfo (Debian gdal-bin) is not installed; skipping the GDAL cross-check")
        }
        let dir = makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let cube = Self.sampleCube(samples: 20, lines: 10, bands: 2, type: .float32, seed: 3)
        let path = dir.appendingPathComponent("g.tif").path
        try GeoTIFFWriter.write(cube, to: path)
        let p = Process()
        p.executableURL = URL(fileURLWithPath: gdalinfo)
        p.arguments = ["-json", path]
        let pipe = Pipe()
        p.standardOutput = pipe
        try p.run()
        let out = pipe.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        let json = try XCTUnwrap(JSONValue.parse(out).objectValue)
        XCTAssertEqual(RemoteFixture.doubles(json["geoTransform"]), [325_000.5, 1, 0, 3_350_000.25, 0, -1])
        XCTAssertEqual(json["size"]?.arrayValue?.compactMap(\.intValue), [20, 10])
        XCTAssertTrue(String(decoding: out, as: UTF8.self).contains("UTM zone 16N"))
    }
}
