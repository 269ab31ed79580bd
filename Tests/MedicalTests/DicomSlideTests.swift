// DicomSlide: generated DICOM whole-slide images (TILED_FULL, TILED_SPARSE, JPEG) against the same
// pyramid written as TIFF and read by OpenSlide, series grouping, refusals and a corrupt frame; and
// the DICOM slides of the corpus against what OpenSlide 4 and dcmtk read from them.

import Foundation
@testable import Medical
import Shared
import TestSupport
import XCTest

final class DicomSlideTests: XCTestCase {
    static let synthetic: SyntheticSlide = {
        var s = SyntheticSlide()
        s.width = 640
        s.height = 448
        s.tileSize = 64
        s.levels = 3
        s.tissue = (x: 80, y: 64, width: 448, height: 320)
        s.tumour = (x: 80, y: 64, width: 256, height: 320)
        s.penRow = 32
        return s
    }()

    /// The synthetic slide as TIFF, as uncompressed TILED_FULL DICOM and as TILED_SPARSE DICOM.
    static let written: (tiff: String, full: String, sparse: String) = {
        let dir = makeTemporaryDirectory("dicom-slide")
        let tiff = dir.appendingPathComponent("slide.tif").path
        try! synthetic.write(to: tiff)
        let full = dir.appendingPathComponent("full").path, sparse = dir.appendingPathComponent("sparse").path
        try! synthetic.writeDICOM(to: full)
        try! synthetic.writeDICOM(to: sparse, tiling: .sparse)
        return (tiff, full, sparse)
    }()

    func pixels(_ image: Image) -> [UInt8] {
        guard case .uint8(let px) = image.storage else { XCTFail("not uint8"); return [] }
        return px
    }

    func testFullTilingReadsAsTheTIFF() throws {
        let tiff = try Slide(path: Self.written.tiff), dicom = try Slide(path: Self.written.full)
        XCTAssertEqual(dicom.vendor, "dicom")
        XCTAssertEqual(dicom.levels.map { [$0.width, $0.height] }, [[640, 448], [320, 224], [160, 112]])
        XCTAssertEqual(dicom.levels, tiff.levels)
        XCTAssertEqual(dicom.scale.umPerPixel, 0.5, accuracy: 1e-9)
        XCTAssertEqual(dicom.scale.source, .vendorMetadata)
        XCTAssertTrue(dicom.scale.detail.hasPrefix("SharedFunctionalGroupsSequence > PixelMeasuresSequence > PixelSpacing"), dicom.scale.detail)
        // Regions inside, across tile edges, at every level, and past the slide's edge (white).
        for (x, y, level, w, h) in [(0, 0, 0, 640, 448), (70, 130, 0, 100, 90), (200, 60, 1, 150, 100), (0, 0, 2, 160, 112),
                                    (600, 400, 0, 80, 80), (-16, -8, 0, 40, 40)] {
            let a = try tiff.readRegion(x: x, y: y, level: level, width: w, height: h)
            let b = try dicom.readRegion(x: x, y: y, level: level, width: w, height: h)
            XCTAssertEqual(pixels(b), pixels(a), "region \(x),\(y) level \(level)")
        }
        let backend = try DicomSlide(path: Self.written.full)
        XCTAssertEqual(backend.files.count, 4)
        XCTAssertEqual(backend.associatedImages, [SlideSource.AssociatedImage(name: "thumbnail", width: 80, height: 56)])
        XCTAssertEqual(backend.properties["dicom.DimensionOrganizationType"], "TILED_FULL")
    }

    func testSparseTilingLeavesGlassTilesWhite() throws {
        let full = try DicomSlide(path: Self.written.full), sparse = try DicomSlide(path: Self.written.sparse)
        XCTAssertEqual(sparse.properties["dicom.DimensionOrganizationType"], "TILED_SPARSE")
        XCTAssertEqual(sparse.levels, full.levels)
        let level0 = sparse.pyramid[0]
        let stored = level0.tiles.filter { $0 >= 0 }.count
        XCTAssertGreaterThan(stored, 0)
        XCTAssertLessThan(stored, level0.tiles.count)
        XCTAssertEqual(level0.tiles.count, 10 * 7)
        for row in 0..<level0.down {
            for column in 0..<level0.across {
                let a = try full.readRegion(x: column * 64, y: row * 64, level: 0, width: 64, height: 64)
                let b = try sparse.readRegion(x: column * 64, y: row * 64, level: 0, width: 64, height: 64)
                if level0.tiles[row * level0.across + column] >= 0 {
                    XCTAssertEqual(pixels(b), pixels(a), "tile \(column),\(row)")
                } else {
                    XCTAssertEqual(Set(pixels(b)), [255], "absent tile \(column),\(row) must be white")
                }
            }
        }
    }

    func testJPEGFramesStayCloseToTheTIFF() throws {
        let dir = makeTemporaryDirectory("dicom-slide-jpeg")
        try Self.synthetic.writeDICOM(to: dir.path, jpegQuality: 92)
        let dicom = try Slide(path: dir.appendingPathComponent("level-0.dcm").path)
        XCTAssertEqual(try DicomFile(path: dir.appendingPathComponent("level-0.dcm").path).transferSyntax.uid, "1.2.840.10008.1.2.4.50")
        let tiff = try Slide(path: Self.written.tiff)
        let a = pixels(try tiff.readRegion(x: 0, y: 0, level: 1, width: 320, height: 224))
        let b = pixels(try dicom.readRegion(x: 0, y: 0, level: 1, width: 320, height: 224))
        let meanError = zip(a, b).reduce(0.0) { $0 + abs(Double($1.0) - Double($1.1)) } / Double(a.count)
        XCTAssertLessThan(meanError, 4, "JPEG q92 frames differ from the lossless pyramid by \(meanError) on average")
        XCTAssertGreaterThan(meanError, 0)
    }

    func testOneFileOpensItsSeriesAndAFolderOfTwoSeriesIsRefused() throws {
        let fromFile = try DicomSlide(path: (Self.written.full as NSString).appendingPathComponent("level-2.dcm"))
        XCTAssertEqual(fromFile.levels.count, 3)
        XCTAssertEqual(fromFile.files.count, 4)
        let key = DicomSlide.seriesKey(path: (Self.written.full as NSString).appendingPathComponent("level-0.dcm"))
        XCTAssertNotNil(key)
        XCTAssertEqual(DicomSlide.seriesKey(path: (Self.written.full as NSString).appendingPathComponent("thumbnail.dcm")), key)
        XCTAssertNotEqual(DicomSlide.seriesKey(path: (Self.written.sparse as NSString).appendingPathComponent("level-0.dcm")), key)
        XCTAssertNil(DicomSlide.seriesKey(path: Self.written.tiff))

        let mixed = makeTemporaryDirectory("dicom-two-series")
        try FileManager.default.copyItem(atPath: (Self.written.full as NSString).appendingPathComponent("level-0.dcm"),
                                         toPath: mixed.appendingPathComponent("a.dcm").path)
        try FileManager.default.copyItem(atPath: (Self.written.sparse as NSString).appendingPathComponent("level-0.dcm"),
                                         toPath: mixed.appendingPathComponent("b.dcm").path)
        XCTAssertThrowsError(try DicomSlide(path: mixed.path)) { e in
            let error = e as? ReticleError
            XCTAssertEqual(error?.kind, .usage)
            XCTAssertTrue(error?.reason.contains("holds 2 DICOM slides") ?? false, "\(e)")
        }
        // The collector keeps one item per series and folder.
        var collector = InputCollector()
        collector.partOf = { SlideInspector().partOf(path: $0) }
        let items = try collector.collect([Self.written.full, mixed.path])
        XCTAssertEqual(items.map(\.displayPath).sorted(),
                       [mixed.lastPathComponent + "/a.dcm", mixed.lastPathComponent + "/b.dcm", "full/level-0.dcm"].sorted())
    }

    func testACorruptFrameFailsOnlyItsTile() throws {
        let dir = makeTemporaryDirectory("dicom-slide-corrupt")
        try Self.synthetic.writeDICOM(to: dir.path, jpegQuality: 85)
        let level0 = dir.appendingPathComponent("level-0.dcm").path
        var bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: level0)))
        // Frames are one JPEG each, in order: break the start-of-image marker of frame 12.
        var starts: [Int] = []
        for i in 0..<(bytes.count - 3) where bytes[i] == 0xFF && bytes[i + 1] == 0xD8 && bytes[i + 2] == 0xFF { starts.append(i) }
        XCTAssertEqual(starts.count, 70)
        bytes[starts[12]] = 0
        bytes[starts[12] + 1] = 0
        try Data(bytes).write(to: URL(fileURLWithPath: level0))
        let slide = try DicomSlide(path: dir.path)
        // Frame 12 is tile (2, 1) of the 10-tile-wide grid.
        XCTAssertThrowsError(try slide.readRegion(x: 2 * 64 + 10, y: 64 + 10, level: 0, width: 20, height: 20)) { e in
            XCTAssertEqual((e as? ReticleError)?.kind, .corrupt)
            XCTAssertTrue("\(e)".contains("level-0.dcm"), "\(e)")
        }
        XCTAssertNoThrow(try slide.readRegion(x: 3 * 64, y: 64, level: 0, width: 64, height: 64))
        XCTAssertNoThrow(try slide.readRegion(x: 0, y: 0, level: 1, width: 320, height: 224))
    }

    func testSeveralFocalPlanesOrOpticalPathsAreRefused() throws {
        guard let dcmodify = ExternalTool.path("dcmodify") else { throw XCTSkip("dcmodify (dcmtk) is not installed") }
        for (tag, words) in [("(0048,0303)", "3 focal planes"), ("(0048,0302)", "2 optical paths")] {
            let dir = makeTemporaryDirectory("dicom-slide-planes")
            for name in ["level-0.dcm", "level-1.dcm", "level-2.dcm"] {
                try FileManager.default.copyItem(atPath: (Self.written.full as NSString).appendingPathComponent(name),
                                                 toPath: dir.appendingPathComponent(name).path)
            }
            let value = words.hasPrefix("3") ? "3" : "2"
            let r = try ExternalTool.run(dcmodify, ["-nb", "-m", "\(tag)=\(value)", dir.appendingPathComponent("level-1.dcm").path])
            XCTAssertEqual(r.status, 0, r.stderr)
            XCTAssertThrowsError(try DicomSlide(path: dir.path)) { e in
                XCTAssertEqual((e as? ReticleError)?.kind, .unsupported)
                XCTAssertTrue("\(e)".contains(words) && "\(e)".contains("level-1.dcm"), "\(e)")
            }
        }
    }

    func testNotASlideIsRefused() throws {
        guard let ct = Corpus.path("dicom/CT_small.dcm") else { throw XCTSkip(Corpus.missing("dicom/CT_small.dcm")) }
        XCTAssertThrowsError(try DicomSlide(path: ct)) { e in
            XCTAssertEqual((e as? ReticleError)?.kind, .unsupported)
        }
        XCTAssertFalse(DicomSlide.handles(path: ct))
    }

    // MARK: - Corpus

    func corpus(_ name: String) throws -> String {
        guard let p = Corpus.path("dicom/\(name)") else { throw XCTSkip(Corpus.missing("dicom/\(name)")) }
        return p
    }

    /// openslide-python's DICOM test slide: boxes_0.dcm (one JPEG level) and boxes_1.dcm (its
    /// THUMBNAIL), one series. Expected values from OpenSlide 4.0.1 (openslide-bin 4.0.1.2 through
    /// openslide-python 1.4.7): level_dimensions ((16, 16),), level_downsamples (1.0,),
    /// openslide.mpp-x 0.499, objective-power 20, read_region((0, 0), 0, (16, 16)) pixels below.
    func testBoxesAgainstOpenSlide4() throws {
        let path = try corpus("boxes_0.dcm")
        let thumbnailFile = try corpus("boxes_1.dcm")
        for opened in [path, thumbnailFile] {
            let slide = try Slide(path: opened)
            XCTAssertEqual(slide.vendor, "dicom")
            XCTAssertEqual(slide.levels, [SlideSource.Level(index: 0, width: 16, height: 16, downsample: 1)])
            XCTAssertEqual(slide.scale.umPerPixel, 0.499, accuracy: 1e-9)
            XCTAssertEqual(slide.objectivePower, 20)
        }
        let backend = try DicomSlide(path: path)
        XCTAssertEqual(backend.files.map { ($0 as NSString).lastPathComponent }, ["boxes_0.dcm", "boxes_1.dcm"])
        XCTAssertEqual(backend.associatedImages, [SlideSource.AssociatedImage(name: "thumbnail", width: 16, height: 16)])
        let region = try backend.readRegion(x: 0, y: 0, level: 0, width: 16, height: 16)
        let px = pixels(region)
        func at(_ x: Int, _ y: Int) -> [UInt8] { Array(px[(3 * (y * 16 + x))..<(3 * (y * 16 + x) + 3)]) }
        XCTAssertEqual(at(0, 0), [245, 243, 252])
        XCTAssertEqual(at(5, 5), [244, 233, 244])
        XCTAssertEqual(at(8, 3), [224, 209, 220])
        XCTAssertEqual(at(15, 15), [234, 238, 248])
        XCTAssertEqual(at(10, 12), [240, 221, 233])
        let means = (0..<3).map { c in Double(stride(from: c, to: px.count, by: 3).reduce(0) { $0 + Int(px[$1]) }) / 256 }
        XCTAssertEqual(means[0], 238.15234375, accuracy: 1e-9)
        XCTAssertEqual(means[1], 233.9453125, accuracy: 1e-9)
        XCTAssertEqual(means[2], 236.81640625, accuracy: 1e-9)
        // Past the 16 × 16 matrix (the 64 × 64 frame's padding) is glass, as OpenSlide's transparency.
        XCTAssertEqual(Set(pixels(try backend.readRegion(x: 16, y: 0, level: 0, width: 8, height: 8))), [255])
        // The corpus folder holds several DICOM slides: as a folder it is refused, naming the count.
        XCTAssertThrowsError(try DicomSlide(path: (path as NSString).deletingLastPathComponent)) { e in
            XCTAssertTrue("\(e)".contains("DICOM slides"), "\(e)")
        }
    }

    /// highdicom's slide-microscopy objects: 50 × 50 matrices in 25 TILED_FULL frames of 10 × 10.
    /// Expected values: OpenSlide 4.0.1 read_region for sm_image.dcm (RGB, uncompressed); dcmtk's
    /// dcmdjpls + dcmdump +W raw frames for the JPEG-LS copy (the same pixels) and the 16-bit
    /// MONOCHROME2 one (frame f holds the value f, 0–24, which is 0 once scaled to 8 bits).
    func testHighdicomSlideMicroscopyImages() throws {
        for name in ["sm_image.dcm", "sm_image_jpegls.dcm"] {
            let slide = try Slide(path: try corpus(name))
            XCTAssertEqual(slide.levels.map { [$0.width, $0.height] }, [[50, 50]], name)
            XCTAssertEqual(slide.scale.umPerPixel, 0.499, accuracy: 1e-9)
            let px = pixels(try slide.readRegion(x: 0, y: 0, level: 0, width: 50, height: 50))
            func at(_ x: Int, _ y: Int) -> [UInt8] { Array(px[(3 * (y * 50 + x))..<(3 * (y * 50 + x) + 3)]) }
            XCTAssertEqual(at(0, 0), [243, 243, 243], name)
            XCTAssertEqual(at(12, 3), [244, 244, 244], name)
            XCTAssertEqual(at(49, 49), [244, 244, 244], name)
            let mean = Double(stride(from: 0, to: px.count, by: 3).reduce(0) { $0 + Int(px[$1]) }) / 2500
            XCTAssertEqual(mean, 243.9092, accuracy: 1e-9, name)
        }
        let gray = try DicomSlide(path: try corpus("sm_image_grayscale.dcm"))
        XCTAssertEqual(gray.levels.map { [$0.width, $0.height] }, [[50, 50]])
        XCTAssertEqual(Set(pixels(try gray.readRegion(x: 0, y: 0, level: 0, width: 50, height: 50))), [0])
        // TILED_FULL order: tile (column 3, row 2) is frame 13, which holds 13 everywhere.
        XCTAssertEqual(gray.pyramid[0].tiles[2 * 5 + 3], 13)
        XCTAssertEqual(Set(try gray.pyramid[0].files[0].storedValues(frame: 13)), [13])
    }
}
