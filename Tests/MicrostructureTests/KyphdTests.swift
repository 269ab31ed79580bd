import Foundation
import Microstructure
import Shared
import TestSupport
import XCTest

/// GetGrainSize (kyphd) measured Heyn intercepts on three 200×200 crops of its sample boundary map
/// and reported D = 1.13·ℓ̄ (px) per crop (kyphd-result.dat). Its own figure rests on six random lines
/// per crop; ours on 20 systematic lines, so the comparison is of the three-crop mean. GetGrainSize
/// counts every group of dark pixels on a line (specks included), so it is compared with our
/// boundary-run counting; the E112 grain-transition count on the same noisy map differs by design.
final class KyphdTests: XCTestCase {
    func testMeanInterceptAgreesWithGetGrainSize() throws {
        guard let path = Corpus.path("grains/kyphd-sample.tif"), let resultPath = Corpus.path("grains/kyphd-result.dat") else {
            throw XCTSkip(Corpus.missing("grains/kyphd-sample.tif"))
        }
        // The corpus copy carries the tool's own annotations (pure red crop rectangles and labels),
        // drawn after it measured: they are not boundaries.
        var image = try ImageFile.read(path: path)
        guard case .uint8(var px) = image.storage, image.channels == 3 else { return XCTFail("expected 8-bit RGB") }
        for i in stride(from: 0, to: px.count, by: 3) where px[i] == 255 && px[i + 1] == 0 && px[i + 2] == 0 {
            px[i + 1] = 255; px[i + 2] = 255
        }
        image.storage = .uint8(px)
        let map = BoundaryMap(image: image)
        let text = try String(contentsOfFile: resultPath, encoding: .utf8)
        // "No.000 crop( 460    30   660   230)" and " D_ave = 18.06… [px]"
        let crops: [[Int]] = text.split(separator: "\n").filter { $0.contains("crop(") }.map { line in
            let inner = line.split(separator: "(")[1].split(separator: ")")[0]
            return inner.split(separator: " ").compactMap { Int($0) }
        }
        let dAve: [Double] = text.split(separator: "\n").filter { $0.contains("D_ave") }.map {
            Double($0.split(separator: "=")[1].split(separator: "[")[0].trimmingCharacters(in: .whitespaces))!
        }
        XCTAssertEqual(crops.count, 3)
        XCTAssertEqual(dAve.count, 3)

        var ours: [Double] = []
        for c in crops {
            let field = map.cropped(x: c[0], y: c[1], width: c[2] - c[0], height: c[3] - c[1])
            let counts = InterceptMethod.straightLines(width: field.width, height: field.height)
                .map { InterceptMethod.countBoundaryRuns(field, line: $0) }
            let p = counts.reduce(0) { $0 + $1.intersections }
            ours.append(counts.reduce(0) { $0 + $1.lengthPx } / p)
        }
        let theirs = dAve.map { $0 / 1.13 }
        let oursMean = ours.reduce(0, +) / 3, theirsMean = theirs.reduce(0, +) / 3
        XCTAssertEqual(oursMean, theirsMean, accuracy: 0.05 * theirsMean)
    }
}
