// Third-party TIFFs (rasterio's GeoTIFFs, GetGrainSize's grain map) read with the size,
// type and pixel statistics that tifffile measured (../shared/corpus/expected.json).

import Foundation
import Shared
import TestSupport
import XCTest

final class ImageCorpusTests: XCTestCase {
    func testEveryGeoTIFFMatchesTheReference() throws {
        guard let files = Corpus.files(in: "geotiff") else { throw XCTSkip(Corpus.missing("geotiff/byte.tif")) }
        XCTAssertGreaterThanOrEqual(files.count, 8)
        for path in files {
            try check(path, relative: "geotiff/" + (path as NSString).lastPathComponent)
        }
    }

    func testGrainMap() throws {
        guard let path = Corpus.path("grains/kyphd-sample.tif") else { throw XCTSkip(Corpus.missing("grains/kyphd-sample.tif")) }
        try check(path, relative: "grains/kyphd-sample.tif")
        // It says 72 dpi: an editor's default, not a microscope's scale.
        XCTAssertNil(try ImageFile.info(path: path).calibration)
    }

    func testCloudOptimizedGeoTIFFOverviews() throws {
        guard let path = Corpus.path("geotiff/cogeo.tif") else { throw XCTSkip(Corpus.missing("geotiff/cogeo.tif")) }
        let pages = try ImageFile.pageCount(path: path)
        XCTAssertEqual(pages, 14)
        let last = try ImageFile.read(path: path, page: pages - 1)
        let info = try ImageFile.info(path: path, page: pages - 1)
        XCTAssertEqual([last.width, last.height, last.channels], [info.width, info.height, info.channels])
        XCTAssertLessThan(last.width, 1024)
    }

    private func check(_ path: String, relative: String, file: StaticString = #filePath, line: UInt = #line) throws {
        let facts = try XCTUnwrap(Corpus.expected(relative), "no expected.json entry for \(relative)")
        let image = try ImageFile.read(path: path)
        let info = try ImageFile.info(path: path)
        let name = relative

        // tifffile gives (planes, h, w) for separate planes, (h, w[, c]) otherwise.
        let shape = try XCTUnwrap(facts["shape"]?.arrayValue?.compactMap(\.intValue))
        let planar = facts["planar"]?.intValue ?? 1
        let (h, w, c) = shape.count == 2 ? (shape[0], shape[1], 1)
            : planar == 2 ? (shape[1], shape[2], shape[0]) : (shape[0], shape[1], shape[2])
        XCTAssertEqual([image.height, image.width, image.channels], [h, w, c], name, file: file, line: line)
        XCTAssertEqual([info.height, info.width, info.channels], [h, w, c], name, file: file, line: line)
        XCTAssertEqual(image.sampleType.rawValue, facts["dtype"]?.stringValue, name, file: file, line: line)
        XCTAssertEqual(info.pages, facts["pages"]?.intValue, name, file: file, line: line)
        XCTAssertEqual(info.layout == .tiled, facts["tiled"]?.boolValue, name, file: file, line: line)
        let compression = facts["compression"]?.stringValue?.lowercased().replacingOccurrences(of: "_", with: "-")
        XCTAssertEqual(info.compression, compression, name, file: file, line: line)
        if facts["XResolution"] == nil {
            XCTAssertNil(info.calibration, name, file: file, line: line)
        }

        guard let px = facts["pixels"]?.objectValue else { return }
        let values = image.floatPixels(normalized: false)
        guard let expectedMean = px["mean"]?.doubleValue, !expectedMean.isNaN else {
            // NaN statistics (float_nan.tif): the NaNs must survive.
            XCTAssertTrue(values.contains { $0.isNaN }, "\(name): expected NaN samples", file: file, line: line)
            return
        }
        let mean = values.reduce(0.0) { $0 + Double($1) } / Double(values.count)
        // Lossy JPEG decoders differ slightly (make_expected.py: ~1 % of the range); lossless must match.
        let lossy = compression == "jpeg"
        let range = (px["max"]?.doubleValue ?? 0) - (px["min"]?.doubleValue ?? 0)
        let tolerance = lossy ? 0.01 * range : 1e-5 * max(1, abs(expectedMean))
        XCTAssertEqual(mean, expectedMean, accuracy: tolerance, "\(name) mean", file: file, line: line)
        XCTAssertEqual(Double(values.min()!), px["min"]?.doubleValue ?? .nan, accuracy: lossy ? 0.05 * range : 1e-6,
                       "\(name) min", file: file, line: line)
        XCTAssertEqual(Double(values.max()!), px["max"]?.doubleValue ?? .nan, accuracy: lossy ? 0.05 * range : 1e-6,
                       "\(name) max", file: file, line: line)
    }
}
