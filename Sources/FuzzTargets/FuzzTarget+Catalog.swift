// The targets: each calls what a command calls on a file of that kind, through to the decoded
// values, so a length that only matters when the data is read is reached too.

import Foundation
import Medical
import Remote
import Shared
import YAMLFiles

extension FuzzTarget {
    /// Most elements a target decodes from one input: the parsers accept larger arrays, but a
    /// fuzz input is at most a few KB, so anything beyond this is a header lying about its size
    /// and must already have been refused; decoding stops short only to keep iterations fast.
    static let decodeLimit = 1 << 22

    public static let all: [FuzzTarget] = [
        // Parsers the project owns.
        FuzzTarget("envi-header", "ENVI .hdr text (Remote/Formats/EnviHeader)") { input in
            _ = try EnviHeader.parse(input.text, path: "fuzz.hdr")
        },
        FuzzTarget("mat-v5", "MATLAB v5 .mat: tags, compressed elements, structs and cells, numeric arrays to cubes", fileExtension: "mat") { input in
            let mat = try MatFile(path: try input.path())
            for variable in mat.variables where variable.isNumeric && withinDecodeLimit(variable.dimensions) {
                _ = try? mat.cube(variable: variable.name)
            }
            for nested in mat.nestedArrays(limit: 32) where withinDecodeLimit(nested.variable.dimensions) {
                _ = try? mat.cube(variable: nested.path)
            }
        },
        FuzzTarget("las", "LAS 1.0-1.4 header, VLRs, EVLRs, extra bytes, point records", fileExtension: "las") { input in
            let cloud = try LasPointCloud(path: try input.path())
            for i in 0..<min(cloud.count, 4096) { _ = cloud.point(i) }
        },
        FuzzTarget("npy", "NumPy .npy header and payload (Shared/Formats/NpyArray)") { input in
            _ = try NpyArray(bytes: input.data, file: "fuzz.npy")
        },
        FuzzTarget("npz", "NumPy .npz: ZIP directory, stored and deflated members, each array") { input in
            let archive = try NpzArchive(bytes: input.data, file: "fuzz.npz")
            for name in archive.names { _ = try? archive.array(name, limit: decodeLimit) }
        },
        FuzzTarget("safetensors", "safetensors header JSON, offsets and every tensor", seedFolders: ["fixtures/models"]) { input in
            let file = try SafeTensorsFile(data: input.data, file: "fuzz.safetensors")
            for name in file.names { _ = try? file.tensor(name) }
        },
        FuzzTarget("model-manifest", "a model file's manifest JSON (spec, heads, preprocessing)") { input in
            _ = try ModelManifest(json: input.text, file: "fuzz.json")
        },
        FuzzTarget("model-file", "a whole model file: manifest checked, network built, weights loaded",
                   fileExtension: "safetensors", seedFolders: ["fixtures/models"]) { input in
            _ = try ModelFile.load(from: URL(fileURLWithPath: try input.path()))
        },
        FuzzTarget("protocol-yaml", "a protocol: YAML (aliases, nesting) to options to arguments",
                   fileExtension: "yaml", seedFolders: ["protocols"]) { input in
            let path = try input.path()
            let (document, bytes) = try YAMLDocument.load(path, what: "protocol")
            _ = try LabProtocol(document: document, file: path, bytes: bytes).arguments()
        },
        FuzzTarget("ratings-csv", "round-robin ratings CSV, long and wide layouts (RFC 4180)") { input in
            _ = try RatingsCSV(text: input.text, path: "fuzz.csv")
        },
        FuzzTarget("item-record", "a batch item record (items/ID.json) through the JSON parser") { input in
            _ = try ItemRecord(json: JSONValue.parse(input.data))
        },
        FuzzTarget("tile-scores", "a slide's stored tile scores (slides/ID/tiles.csv)") { input in
            _ = try TileScoreTable(csv: input.text, file: "fuzz.csv")
        },
        // C libraries behind the project's checks: what reaches them has passed those checks.
        FuzzTarget("png", "libpng: header, pHYs/sCAL calibration, pixels", fileExtension: "png", seedFolders: ["fixtures/demo"]) { input in
            try decodeImage(input)
        },
        FuzzTarget("jpeg", "libjpeg-turbo: markers, JFIF density, pixels", fileExtension: "jpg", seedFolders: ["fixtures/demo"]) { input in
            try decodeImage(input)
        },
        FuzzTarget("tiff", "libtiff: directories, resolution tags, strips and tiles", fileExtension: "tif",
                   seedFolders: ["fixtures/demo", "fixtures/demo-steel/images"]) { input in
            try decodeImage(input)
        },
        FuzzTarget("bmp", "the BMP decoder: headers, resolution, palettes, pixels", fileExtension: "bmp", seedFolders: ["fixtures/demo"]) { input in
            try decodeImage(input)
        },
        FuzzTarget("geotiff", "GeoTIFF through libtiff: GeoKeys, tie points, nodata, bands", fileExtension: "tif") { input in
            let path = try input.path()
            let info = try GeoTIFFReader.info(path)
            if withinDecodeLimit(info.width, info.height, info.bands) { _ = try GeoTIFFReader.read(path) }
        },
        FuzzTarget("dicom", "dcmtk: meta header, dataset, pixel module, every frame decoded", fileExtension: "dcm") { input in
            let file = try DicomFile(path: try input.path())
            let info = try file.imageInfo()
            let decoder = DicomFrameDecoder()
            for frame in 0..<min(info.frames, 4) { _ = try decoder.decode(file, frame: frame) }
        },
        FuzzTarget("dicom-wsi", "a DICOM whole-slide level: tiling, frame positions, one region decoded frame by frame",
                   fileExtension: "dcm", readSlideCorner),
        FuzzTarget("openslide", "OpenSlide: slide detection, levels, properties, a region of the smallest level",
                   fileExtension: "svs", readSlideCorner),
    ]

    /// Whether the product of `sizes` (as a header states them) stays within `decodeLimit`,
    /// overflow included.
    static func withinDecodeLimit(_ sizes: Int...) -> Bool { withinDecodeLimit(sizes) }

    static func withinDecodeLimit(_ sizes: [Int]) -> Bool {
        var product = 1
        for size in sizes {
            guard size >= 0 else { return false }
            let (p, overflow) = product.multipliedReportingOverflow(by: size)
            guard !overflow, p <= decodeLimit else { return false }
            product = p
        }
        return true
    }

    /// A slide as `med slides` opens it (OpenSlide or the DICOM reader, by content), then the
    /// top-left 64 × 64 pixels of its smallest level.
    private static func readSlideCorner(_ input: FuzzInput) throws {
        let slide = try Slide(path: try input.path(), fallbackMpp: 1)
        let level = slide.levels.count - 1
        let l = slide.levels[level]
        _ = try slide.readRegion(x: 0, y: 0, level: level, width: min(l.width, 64), height: min(l.height, 64))
    }

    /// Header first (calibration metadata), then pixels when the header's size is plausible for
    /// an input this small.
    private static func decodeImage(_ input: FuzzInput) throws {
        let path = try input.path()
        let info = try ImageFile.info(path: path)
        if withinDecodeLimit(info.width, info.height, info.channels) { _ = try ImageFile.read(path: path) }
    }
}
