// MAT-files that hold their rasters inside structs and cells (the layout of MUUFL Gulfport's
// hsi.Data / hsi.Lidar{1}.z / hsi.sceneLabels.labels), 2-D arrays as LiDAR rasters and label maps,
// and the -1 "unlabelled" convention: the reader, the options that name the arrays, and training on them.

import Foundation
import Remote
import Shared
import TestSupport
import XCTest

final class MatStructTests: XCTestCase {
    /// A MATLAB value, written as MATLAB v5 stores it (uncompressed).
    indirect enum Value {
        case double([Int], [Double])
        case single([Int], [Float])
        case int16([Int], [Int16])
        case char(String)
        /// A struct array: field names, then each element's values in that order.
        case structure([String], [[Value]])
        case cell([Value])
    }

    static func element(_ name: String, _ value: Value) -> [UInt8] {
        var b = ByteWriter()
        func header(_ classCode: UInt32, _ dims: [Int]) {
            b.u32(6); b.u32(8); b.u32(classCode); b.u32(0)
            b.u32(5); b.u32(UInt32(dims.count * 4)); dims.forEach { b.i32(Int32($0)) }; b.pad8()
            b.u32(1); b.u32(UInt32(name.utf8.count)); b.text(name, name.utf8.count); b.pad8()
        }
        switch value {
        case .double(let dims, let v):
            header(6, dims); b.u32(9); b.u32(UInt32(v.count * 8)); v.forEach { b.f64($0) }; b.pad8()
        case .single(let dims, let v):
            header(7, dims); b.u32(7); b.u32(UInt32(v.count * 4)); v.forEach { b.u32($0.bitPattern) }; b.pad8()
        case .int16(let dims, let v):
            header(10, dims); b.u32(3); b.u32(UInt32(v.count * 2)); v.forEach { b.u16(UInt16(bitPattern: $0)) }; b.pad8()
        case .char(let s):
            let units = Array(s.utf16)
            header(4, [1, units.count]); b.u32(4); b.u32(UInt32(units.count * 2)); units.forEach { b.u16($0) }; b.pad8()
        case .structure(let fields, let elements):
            header(2, [1, elements.count])
            b.u32(0x0004_0005); b.i32(32)
            b.u32(1); b.u32(UInt32(32 * fields.count)); fields.forEach { b.text($0, 32) }; b.pad8()
            for e in elements { for v in e { b.bytes += element("", v) } }
        case .cell(let elements):
            header(1, [1, elements.count])
            for v in elements { b.bytes += element("", v) }
        }
        var w = ByteWriter()
        w.u32(14); w.u32(UInt32(b.bytes.count)); w.bytes += b.bytes
        return w.bytes
    }

    static func file(_ variables: [(String, Value)]) -> [UInt8] {
        var w = ByteWriter()
        w.text("MATLAB 5.0 MAT-file, struct test".padding(toLength: 116, withPad: " ", startingAt: 0), 116)
        w.text("", 8)
        w.u16(0x0100)
        w.u16(0x4D49)
        for (name, v) in variables { w.bytes += element(name, v) }
        return w.bytes
    }

    /// Column-major values of a lines × samples × bands raster with value(line, sample, band).
    static func columnMajor(lines: Int, samples: Int, bands: Int, _ value: (Int, Int, Int) -> Double) -> [Double] {
        var out: [Double] = []
        for b in 0..<bands { for c in 0..<samples { for r in 0..<lines { out.append(value(r, c, b)) } } }
        return out
    }

    /// hsi.Data 3 × 4 × 2, hsi.Lidar{1}.z 3 × 4 × 2, hsi.sceneLabels.labels 3 × 4 (int16, -1 unlabelled).
    static func muuflLike() -> [UInt8] {
        let data = columnMajor(lines: 3, samples: 4, bands: 2) { r, c, b in Double(100 * b + 10 * r + c) }
        let z = columnMajor(lines: 3, samples: 4, bands: 2) { r, c, b in Double(b == 0 ? 20 + r : c) }
        let labels = columnMajor(lines: 3, samples: 4, bands: 1) { r, c, _ in r == 0 ? -1 : Double(1 + (c % 2)) }
        let lidar = Value.structure(["x", "z"], [[.double([1, 1], [0]), .double([3, 4, 2], z)]])
        let sceneLabels = Value.structure(["Materials_Type", "labels"], [[.char("grass trees"), .int16([3, 4], labels.map { Int16($0) })]])
        let hsi = Value.structure(["info", "Data", "Lidar", "sceneLabels"],
                                  [[.structure(["bands"], [[.double([1, 1], [2])]]), .single([3, 4, 2], data.map(Float.init)),
                                    .cell([lidar]), sceneLabels]])
        return file([("hsi", hsi)])
    }

    func testArraysInsideStructsAndCells() throws {
        let dir = makeTemporaryDirectory("mat-struct")
        defer { try? FileManager.default.removeItem(at: dir) }
        let path = RemoteFixture.write(Self.muuflLike(), name: "muufl-like.mat", in: dir)
        let mat = try MatFile(path: path)
        XCTAssertEqual(mat.variables.map(\.name), ["hsi"])
        XCTAssertEqual(mat.variables[0].fieldNames, ["info", "Data", "Lidar", "sceneLabels"])

        let cube = try mat.cube(variable: "hsi.Data")
        XCTAssertEqual([cube.lines, cube.samples, cube.bands], [3, 4, 2])
        XCTAssertEqual(cube.sourceType, .float32)
        for b in 0..<2 { for r in 0..<3 { for c in 0..<4 {
            XCTAssertEqual(cube[sample: c, line: r, band: b], Float(100 * b + 10 * r + c))
        } } }
        let z = try RasterFile.read(path, variable: "hsi.Lidar{1}.z")
        XCTAssertEqual([z.lines, z.samples, z.bands], [3, 4, 2])
        XCTAssertEqual(z[sample: 3, line: 2, band: 0], 22)
        XCTAssertEqual(z[sample: 3, line: 2, band: 1], 3)
        // (k) picks an element as {k} does, and a 1 × 1 struct is its own first element.
        XCTAssertEqual(try RasterFile.read(path, variable: "hsi(1).Lidar(1).z").values, z.values)
        XCTAssertEqual(try mat.resolve("hsi.info.bands").doubles(), [2])
        XCTAssertEqual(mat.nestedArrays().map(\.path),
                       ["hsi.info.bands", "hsi.Data", "hsi.Lidar{1}.x", "hsi.Lidar{1}.z", "hsi.sceneLabels.labels"])
        let inspected = try MatInspector().inspect(path: path, options: InspectOptions())
        XCTAssertEqual(inspected["nested_arrays"]?.arrayValue?.count, 5)
        XCTAssertEqual(inspected["nested_arrays"]?.arrayValue?[1]["dimensions"]?.arrayValue?.compactMap(\.intValue), [3, 4, 2])

        // Without a name, the struct holds no top-level array: the error lists what there is.
        RemoteFixture.assertFails(naming: "muufl-like.mat", { _ = try mat.cube() })
        XCTAssertThrowsError(try mat.cube()) { error in
            XCTAssertTrue("\(error)".contains("inside structs and cells: hsi.Data (single 3x4x2), hsi.Lidar{1}.z (double 3x4x2)"), "\(error)")
        }
        for (spec, needle) in [("hsi", "hsi.Data"), ("hsi.Nope", "fields: info, Data, Lidar, sceneLabels"),
                               ("hsi.Data{1}", "only struct and cell"), ("hsi.Lidar{2}", "has 1 elements, not 2"),
                               ("hsi.Lidar.z", "cell array, not a struct"), ("hsi.Data[1]", "unexpected '['"),
                               ("nothere", "variables: hsi")] {
            XCTAssertThrowsError(try mat.cube(variable: spec), spec) { error in
                XCTAssertTrue("\(error)".contains(needle), "\(spec): \(error)")
                XCTAssertTrue("\(error)".contains("muufl-like.mat"), "\(spec): \(error)")
            }
        }
        let tiff = RemoteFixture.write([0x49, 0x49, 42, 0, 8, 0, 0, 0], name: "not-a-mat.tif", in: dir)
        XCTAssertThrowsError(try RasterFile.read(tiff, variable: "hsi.Data")) { error in
            XCTAssertTrue("\(error)".contains("only be named for a MATLAB .mat file"), "\(error)")
        }
    }

    /// Structs nested past the limit, a struct holding something other than arrays, and a cell that
    /// claims more elements than it holds: clear errors or what is there, never a crash.
    func testHostileNestingFailsCleanly() throws {
        let dir = makeTemporaryDirectory("mat-nesting")
        defer { try? FileManager.default.removeItem(at: dir) }
        var deep = Value.double([1, 1], [7])
        for _ in 0..<40 { deep = .structure(["inner"], [[deep]]) }
        let deepPath = RemoteFixture.write(Self.file([("deep", deep)]), name: "deep.mat", in: dir)
        XCTAssertThrowsError(try MatFile(path: deepPath)) { error in
            XCTAssertTrue("\(error)".contains("nested more than 32"), "\(error)")
            XCTAssertTrue("\(error)".contains("deep.mat"), "\(error)")
        }
        var shallow = Value.double([1, 1], [7])
        for _ in 0..<5 { shallow = .structure(["inner"], [[shallow]]) }
        let okPath = RemoteFixture.write(Self.file([("s", shallow)]), name: "shallow.mat", in: dir)
        XCTAssertEqual(try MatFile(path: okPath).resolve("s.inner.inner.inner.inner.inner").doubles(), [7])

        // A struct whose field value is a bare miDOUBLE element instead of an array.
        var bytes = Self.file([("s", .structure(["a"], [[.double([1, 1], [1])]]))])
        let fieldTag = bytes.count - 64   // the field's miMATRIX: 8-byte tag + 56-byte body of an unnamed 1 × 1 double
        XCTAssertEqual(Array(bytes[fieldTag..<fieldTag + 4]), [14, 0, 0, 0])
        bytes[fieldTag] = 9
        let badField = RemoteFixture.write(bytes, name: "bad-field.mat", in: dir)
        RemoteFixture.assertFails(naming: "bad-field.mat", { _ = try MatFile(path: badField) })

        // A 1 × 3 cell holding one element: the element is read, the missing two are not made up.
        var short = Self.file([("c", .cell([.double([1, 1], [5])]))])
        let dims = 128 + 8 + 16 + 8
        short[dims + 4] = 3
        let shortPath = RemoteFixture.write(short, name: "short-cell.mat", in: dir)
        let mat = try MatFile(path: shortPath)
        XCTAssertEqual(mat.variable("c")?.dimensions, [1, 3])
        XCTAssertEqual(try mat.resolve("c{1}").doubles(), [5])
        XCTAssertThrowsError(try mat.resolve("c{2}"))
    }

    func testLabelsWithMinusOneAsUnlabelled() throws {
        let dir = makeTemporaryDirectory("mat-labels")
        defer { try? FileManager.default.removeItem(at: dir) }
        let path = RemoteFixture.write(Self.muuflLike(), name: "muufl-like.mat", in: dir)
        XCTAssertThrowsError(try LabelRaster.read(path, variable: "hsi.sceneLabels.labels")) { error in
            XCTAssertTrue("\(error)".contains("--unlabelled -1"), "\(error)")
        }
        let labels = try LabelRaster.read(path, variable: "hsi.sceneLabels.labels", unlabelled: -1)
        XCTAssertEqual([labels.lines, labels.samples], [3, 4])
        XCTAssertEqual(labels.labels, [0, 0, 0, 0, 1, 2, 1, 2, 1, 2, 1, 2])
        XCTAssertEqual(labels.counts, [4, 4])
    }

    func testTwoDimensionalArraysAreRasters() throws {
        let dir = makeTemporaryDirectory("mat-2d")
        defer { try? FileManager.default.removeItem(at: dir) }
        let gt = Self.columnMajor(lines: 2, samples: 3, bands: 1) { r, c, _ in Double(r * 3 + c) }
        let one = RemoteFixture.write(Self.file([("gt", .double([2, 3], gt)), ("name", .char("labels"))]), name: "gt.mat", in: dir)
        let labels = try LabelRaster.read(one)
        XCTAssertEqual(labels.labels, [0, 1, 2, 3, 4, 5])
        let dsm = try RasterFile.read(one)
        XCTAssertEqual([dsm.lines, dsm.samples, dsm.bands], [2, 3, 1])

        let two = RemoteFixture.write(Self.file([("TrainImage", .double([2, 3], gt)), ("TestImage", .double([2, 3], gt.reversed()))]),
                                      name: "train-test.mat", in: dir)
        XCTAssertThrowsError(try LabelRaster.read(two)) { error in
            XCTAssertTrue("\(error)".contains("TrainImage (double 2x3), TestImage (double 2x3)"), "\(error)")
        }
        XCTAssertEqual(try LabelRaster.read(two, variable: "TestImage").labels, [5, 4, 3, 2, 1, 0])
    }

    /// Real files (GatorSense hsi_toolkit demos, MUUFL Gulfport crops): a 2-D uint8 mask as a label raster
    /// and a 1 × 5 struct array, against scipy.io.loadmat.
    func testCorpusMaskAndStructArray() throws {
        let sub = try RemoteFixture.corpus("hsi/an_hsi_image_sub_for_demo.mat")
        let mask = try LabelRaster.read(sub, variable: "mask_sub")
        XCTAssertEqual([mask.lines, mask.samples], [51, 88])
        XCTAssertEqual(mask.counts, [3884])
        let demo = try RemoteFixture.corpus("hsi/an_hsi_img_for_class_demo.mat")
        let mat = try MatFile(path: demo)
        XCTAssertEqual(mat.variable("train_data")?.dimensions, [1, 5])
        let first = try mat.resolve("train_data(1).Spectra")
        XCTAssertEqual(first.dimensions, [72, 8])
        XCTAssertEqual(try first.doubles().reduce(0, +), 214.23267628485337, accuracy: 1e-9)
        let third = try mat.resolve("train_data(3).Spectra")
        XCTAssertEqual(third.dimensions, [72, 10])
        XCTAssertEqual(try third.doubles().reduce(0, +), 230.37805174977984, accuracy: 1e-9)
        XCTAssertEqual(try mat.resolve("train_data(3).name").matlabClass, "char")
    }

    /// `remote train` on a scene kept the MUUFL way (one struct), named by the options, reads what the
    /// ENVI + LAS copy of the same scene gives and trains on it.
    func testTrainingFromAStructuredMatFile() throws {
        let dir = makeTemporaryDirectory("mat-train")
        defer { try? FileManager.default.removeItem(at: dir) }
        _ = try FusionSceneGenerator(samples: 24, lines: 24, bands: 6, seed: 5).write(to: dir)
        let envi = try FusionInputs.load(hsi: dir.appendingPathComponent("cube.hdr").path,
                                         lidar: dir.appendingPathComponent("lidar.las").path, layers: LidarLayer.standard)
        let truth = try LabelRaster.read(dir.appendingPathComponent("labels.tif").path)
        let hsi = try XCTUnwrap(envi.hsi), lidar = try XCTUnwrap(envi.lidar)
        let data = Self.columnMajor(lines: 24, samples: 24, bands: hsi.bands) { r, c, b in Double(hsi[sample: c, line: r, band: b]) }
        let z = Self.columnMajor(lines: 24, samples: 24, bands: lidar.bands) { r, c, b in Double(lidar[sample: c, line: r, band: b]) }
        let labels = Self.columnMajor(lines: 24, samples: 24, bands: 1) { r, c, _ in
            let l = truth.labels[r * 24 + c]
            return l == 0 ? -1 : Double(l)
        }
        let scene = Value.structure(["Data", "Lidar", "sceneLabels"],
                                    [[.single([24, 24, hsi.bands], data.map(Float.init)),
                                      .cell([.structure(["z"], [[.single([24, 24, lidar.bands], z.map(Float.init))]])]),
                                      .structure(["labels"], [[.int16([24, 24], labels.map { Int16($0) })]])]])
        let path = RemoteFixture.write(Self.file([("hsi", scene)]), name: "scene.mat", in: dir)

        var o = RemoteTrainOptions()
        o.hsi = path; o.lidar = path; o.labels = path
        o.hsiVariable = "hsi.Data"; o.lidarVariable = "hsi.Lidar{1}.z"; o.labelsVariable = "hsi.sceneLabels.labels"
        o.unlabelled = -1
        o.modelKind = "fusion"; o.patch = 3; o.width = 4; o.epochs = 1; o.blockSize = 8; o.seed = 2
        let fromMat = try FusionInputs.load(hsi: path, lidar: path, layers: LidarLayer.standard,
                                            hsiVariable: o.hsiVariable, lidarVariable: o.lidarVariable)
        XCTAssertEqual(fromMat.hsi?.values, hsi.values)
        XCTAssertEqual(fromMat.lidar?.values, lidar.values)
        XCTAssertEqual(try LabelRaster.read(path, variable: o.labelsVariable, unlabelled: -1).labels, truth.labels)

        let result = try FusionTrainer(options: o).train()
        let evaluation = try XCTUnwrap(result.evaluation)
        XCTAssertGreaterThan(evaluation.confusion.total, 0)
        XCTAssertEqual(result.manifest.provenance["trained_on"]?["labels"]?.stringValue, path)

        // The options are values: the variables round-trip through the protocol encoding.
        let encoded = try o.encoded
        XCTAssertEqual(encoded["lidar-variable"]?.stringValue, "hsi.Lidar{1}.z")
        XCTAssertEqual(encoded["unlabelled"]?.intValue, -1)
        let back = try OptionKeys.decode(RemoteTrainOptions.self, from: encoded)
        XCTAssertEqual(back.labelsVariable, "hsi.sceneLabels.labels")
    }
}
