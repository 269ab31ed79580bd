// The committed seed corpora (fixtures/fuzz/TARGET/), written by the project's own writers so
// each seed is a small valid file of its kind: libFuzzer mutates from there. Regenerate with
// `reticle-fuzz seeds fixtures/fuzz` (deterministic). Seeds that only real files can give
// (DICOM, OpenSlide formats) come from ../shared/corpus at fuzz time (scripts/fuzz), never
// copied into the repository.

import Foundation
import Medical
import Remote
import Shared

public enum FuzzSeeds {
    /// Writes every seed under `root/TARGET/`; returns how many.
    public static func write(to root: URL) throws -> Int {
        let scratch = try FuzzScratch()
        var count = 0
        func put(_ target: String, _ name: String, _ data: Data) throws {
            let dir = root.appendingPathComponent(target)
            try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
            try data.write(to: dir.appendingPathComponent(name))
            count += 1
        }
        func file(_ name: String) -> String { scratch.folder.appendingPathComponent(name).path }

        // Images carry a calibration, so the readers' resolution paths (pHYs, JFIF, TIFF, BMP) are seeded.
        let calibration = Calibration(umPerPixel: 0.5, source: .vendorMetadata)
        var rgb = [UInt8](repeating: 0, count: 16 * 12 * 3)
        for i in rgb.indices { rgb[i] = UInt8((i * 37 + (i / 48) * 11) & 0xFF) }
        let colour = Image(width: 16, height: 12, channels: 3, storage: .uint8(rgb), calibration: calibration)
        let gray16 = Image(width: 16, height: 12, channels: 1, storage: .uint16((0..<192).map { UInt16($0 * 300) }), calibration: calibration)
        for (target, name, image, options) in [
            ("png", "rgb.png", colour, ImageWriteOptions()), ("png", "gray16.png", gray16, ImageWriteOptions()),
            ("jpeg", "rgb.jpg", colour, ImageWriteOptions(jpegQuality: 80)), ("bmp", "rgb.bmp", colour, ImageWriteOptions()),
            ("tiff", "rgb-strips.tif", colour, ImageWriteOptions(tiffCompression: .lzw)),
            ("tiff", "gray16-tiles.tif", gray16, ImageWriteOptions(tiffCompression: .deflate, tiffTileSize: 16)),
        ] as [(String, String, Image, ImageWriteOptions)] {
            try ImageFile.write(image, to: file(name), options: options)
            try put(target, name, try Data(contentsOf: URL(fileURLWithPath: file(name))))
        }
        // OpenSlide reads a tiled TIFF pyramid as a generic-tiff slide.
        let big = Image(width: 64, height: 48, channels: 3, storage: .uint8((0..<(64 * 48 * 3)).map { UInt8(($0 * 7) & 0xFF) }))
        try ImageFile.write(pages: [big, colour], to: file("pyramid.tif"),
                            options: ImageWriteOptions(tiffCompression: .jpeg, tiffTileSize: 16))
        try put("openslide", "pyramid.tif", try Data(contentsOf: URL(fileURLWithPath: file("pyramid.tif"))))

        // DICOM whole-slide levels (fresh UIDs each time: these seeds are not byte-reproducible).
        for (name, quality, tiling) in [("wsi-native", 0, DicomSlideWriter.Tiling.full), ("wsi-jpeg", 80, .full),
                                        ("wsi-sparse", 0, .sparse)] {
            var writer = DicomSlideWriter()
            writer.tileSize = 16; writer.jpegQuality = quality; writer.tiling = tiling
            let folder = file(name)
            try writer.write(pages: [big], to: folder, keep: { _, c, r in (c + r) % 2 == 0 })
            let level = try Data(contentsOf: URL(fileURLWithPath: folder).appendingPathComponent("level-0.dcm"))
            try put("dicom", name + ".dcm", level)
            try put("dicom-wsi", name + ".dcm", level)
        }

        let cube = HyperspectralCube(samples: 3, lines: 2, bands: 4, values: (0..<24).map { Float($0) * 1.5 - 4 },
                                     sourceType: .int16, wavelengths: [450, 550, 650, 850], wavelengthUnits: "nm",
                                     mapInfo: MapInfo(projection: "UTM", referencePixelX: 1, referencePixelY: 1, easting: 500_000,
                                                      northing: 4_000_000, pixelSizeX: 1, pixelSizeY: 1, zone: 16,
                                                      hemisphere: "North", datum: "WGS-84", units: "Meters"),
                                     noDataValue: -9999)
        for interleave in EnviWriteOptions.Interleave.allCases {
            let header = try EnviWriter.write(cube, to: file("cube-\(interleave).img"), options: EnviWriteOptions(interleave: interleave))
            try put("envi-header", "cube-\(interleave).hdr", try Data(contentsOf: URL(fileURLWithPath: header)))
        }
        try GeoTIFFWriter.write(cube, to: file("cube.tif"))
        try put("geotiff", "cube-deflate.tif", try Data(contentsOf: URL(fileURLWithPath: file("cube.tif"))))

        try put("mat-v5", "double-2x3x2.mat", matFile(name: "cube", dims: [2, 3, 2], values: (0..<12).map(Double.init)))
        try put("mat-v5", "double-4x1.mat", matFile(name: "v", dims: [4, 1], values: [1, -2, 3.5, 1e6]))
        try put("mat-v5", "struct-cell.mat", matStructFile())

        var points: [LasWritePoint] = []
        for i in 0..<6 {
            let d = Double(i)
            points.append(LasWritePoint(x: 500_000 + d, y: 4_000_000 + d.truncatingRemainder(dividingBy: 3), z: 10 + d * 0.5,
                                        intensity: UInt16(100 * i), returnNumber: 1, numberOfReturns: 1,
                                        classification: i % 2 == 0 ? 2 : 5))
        }
        try LasWriter.write(points, to: file("points.las"))
        try put("las", "points.las", try Data(contentsOf: URL(fileURLWithPath: file("points.las"))))

        let floats = NpyArray(dtype: NpyArray.DType(kind: .float, size: 4, bigEndian: false), shape: [2, 3],
                              data: Data((0..<6).flatMap { withUnsafeBytes(of: Float($0).bitPattern.littleEndian, Array.init) }))
        let bytes = NpyArray(dtype: NpyArray.DType(kind: .unsigned, size: 1, bigEndian: false), shape: [2, 2, 2],
                             data: Data((0..<8).map(UInt8.init)))
        try put("npy", "float32-2x3.npy", floats.encoded())
        try put("npy", "uint8-2x2x2.npy", bytes.encoded())
        try put("npz", "stored.npz", NpzArchive.encode([("train_images", bytes), ("train_labels", floats)], compress: false))
        try put("npz", "deflated.npz", NpzArchive.encode([("train_images", bytes), ("train_labels", floats)], compress: true))

        let spec = ModelSpec(architecture: .compactCNN, inputChannels: 1,
                             heads: [HeadSpec(name: "class", classes: ["a", "b"])], compactWidths: [2])
        let manifest = ModelManifest(spec: spec, preprocessing: Preprocessing(height: 8, width: 8, channels: 1))
        try ModelFile.save(try Network(spec: spec), manifest: manifest, to: URL(fileURLWithPath: file("tiny.safetensors")))
        let model = try Data(contentsOf: URL(fileURLWithPath: file("tiny.safetensors")))
        try put("model-file", "compact-2.safetensors", model)
        try put("safetensors", "compact-2.safetensors", model)
        if let text = try SafeTensorsFile(data: model, file: "tiny").metadata[ModelFile.manifestKey] {
            try put("model-manifest", "compact-2.json", Data(text.utf8))
        }

        try put("ratings-csv", "long.csv", Data("""
            image,rater,type,needle_class,specimen
            a.png,alice,martensite,3,s1
            a.png,bob,martensite,4,s1
            "b,1.png",alice,bainite,,s2
            b.png,bob,"bai""nite",2,s2

            """.utf8))
        try put("ratings-csv", "wide.csv", Data("image;alice;bob;model\nx.tif;1;2;1\ny.tif;3;;3\n".utf8))

        let record = ItemRecord(id: "s0001-01", file: "images/s0001-01.tif", status: .ok, inputHash: String(repeating: "ab", count: 32),
                                settingsHash: String(repeating: "cd", count: 32), elapsedSeconds: 0.25,
                                finishedAt: "2026-12-07T12:00:00Z", result: ["type": "martensite", "p": [0.9, 0.1], "g": nil])
        try put("item-record", "ok.json", Data(record.json.serialized().utf8))
        var failed = record
        failed.status = .error; failed.error = "not a PNG"; failed.result = [ItemRecord.crashKey: "SIGSEGV"]
        try put("item-record", "crash.json", Data(failed.json.serialized().utf8))

        let tiles = TileScoreTable(classes: ["normal", "tumour"], rows: [
            .init(tile: SlideTile(index: 0, row: 0, column: 0, x: 0, y: 0, width: 224, height: 224, tissueFraction: 0.91), probabilities: [0.8, 0.2]),
            .init(tile: SlideTile(index: 1, row: 0, column: 1, x: 224, y: 0, width: 224, height: 224, tissueFraction: 0.5), probabilities: [0.3, 0.7]),
        ])
        try put("tile-scores", "tiles.csv", Data(tiles.csv.utf8))
        return count
    }

    /// A MATLAB v5 file holding one real double matrix, uncompressed: the layout of MATLAB's
    /// `save -v6` (128-byte header, then one miMATRIX element of flags, dimensions, name, data).
    static func matFile(name: String, dims: [Int32], values: [Double]) -> Data {
        matHeader() + matElement(name: name, classCode: 6, dims: dims) { body in
            u32(&body, 9); u32(&body, UInt32(values.count * 8))
            values.forEach { v in withUnsafeBytes(of: v.bitPattern.littleEndian) { body.append(contentsOf: $0) } }
            pad(&body)
        }
    }

    /// The MUUFL Gulfport layout in miniature: struct `hsi` with a cube `Data` and a cell `Lidar` holding
    /// a struct with a raster `z`, so fuzzing reaches struct field values, cell elements and their nesting.
    static func matStructFile() -> Data {
        let cube = matFile(name: "", dims: [2, 3, 2], values: (0..<12).map(Double.init)).dropFirst(128)
        let z = matFile(name: "", dims: [2, 3], values: [1, 2, 3, 4, 5, 6]).dropFirst(128)
        func fieldNames(_ names: [String], _ body: inout Data) {
            u32(&body, 0x0004_0005); u32(&body, 32)
            u32(&body, 1); u32(&body, UInt32(32 * names.count))
            for n in names { body.append(Data(n.utf8)); body.append(Data(count: 32 - n.utf8.count)) }
            pad(&body)
        }
        let inner = matElement(name: "", classCode: 2, dims: [1, 1]) { body in fieldNames(["z"], &body); body.append(z) }
        let lidar = matElement(name: "", classCode: 1, dims: [1, 1]) { body in body.append(inner) }
        return matHeader() + matElement(name: "hsi", classCode: 2, dims: [1, 1]) { body in
            fieldNames(["Data", "Lidar"], &body); body.append(cube); body.append(lidar)
        }
    }

    static func matHeader() -> Data {
        var out = Data("MATLAB 5.0 MAT-file, reticle fuzz seed".utf8)
        out.append(Data(repeating: 0x20, count: 116 - out.count))
        out.append(Data(count: 8))
        out.append(contentsOf: [0x00, 0x01, 0x49, 0x4D])  // version 0x0100, "IM" little endian
        return out
    }

    static func u32(_ data: inout Data, _ v: UInt32) { withUnsafeBytes(of: v.littleEndian) { data.append(contentsOf: $0) } }
    static func pad(_ data: inout Data) { while data.count % 8 != 0 { data.append(0) } }

    /// One miMATRIX element: flags (class), dimensions, name, then what `content` appends (the body
    /// is 8-byte aligned when it starts, so `pad` within it aligns the element).
    static func matElement(name: String, classCode: UInt32, dims: [Int32], content: (inout Data) -> Void) -> Data {
        var body = Data()
        u32(&body, 6); u32(&body, 8); u32(&body, classCode); u32(&body, 0)      // miUINT32 flags: the class
        u32(&body, 5); u32(&body, UInt32(dims.count * 4)); dims.forEach { u32(&body, UInt32(bitPattern: $0)) }; pad(&body)
        u32(&body, 1); u32(&body, UInt32(name.utf8.count)); body.append(Data(name.utf8)); pad(&body)
        content(&body)
        var out = Data()
        u32(&out, 14); u32(&out, UInt32(body.count))
        out.append(body)
        return out
    }
}
