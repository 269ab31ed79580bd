// The bundled demo inputs in fixtures/demo are made by this test, so they can be
// re-created and checked: `RETICLE_REGENERATE_FIXTURES=1 swift test --filter DemoFixturesTests`.

import Foundation
import Microstructure
import Shared
import TestSupport
import XCTest

final class DemoFixturesTests: XCTestCase {
    static let folder = Corpus.projectRoot.appendingPathComponent("fixtures/demo")

    /// Name → image, all deterministic.
    static func fixtures() -> [(String, Image)] {
        let fine = VoronoiStructure(width: 320, height: 240, meanGrainAreaPx: 260, umPerPixel: 0.5, seed: 11)
        var fineImage = MicrographRenderer().render(fine.map, seed: 12)
        fineImage.calibration = Calibration(umPerPixel: 0.5, source: .flag)
        let coarse = VoronoiStructure(width: 320, height: 240, meanGrainAreaPx: 900, umPerPixel: 1.0, seed: 21)
        var coarseImage = MicrographRenderer().render(coarse.map, seed: 22)
        coarseImage.calibration = Calibration(umPerPixel: 1.0, source: .flag)
        let ramp: [UInt16] = (0..<(64 * 48)).map { (i: Int) -> UInt16 in UInt16((i % 64) * 1000 + (i / 64) * 17) }
        let deep = Image(width: 64, height: 48, channels: 1, storage: .uint16(ramp),
                         calibration: Calibration(umPerPixelX: 2, umPerPixelY: 2.5, source: .flag))
        let colours: [UInt8] = (0..<(48 * 32 * 3)).map { (i: Int) -> UInt8 in
            let p = i / 3, c = i % 3
            let v: Int = c == 0 ? (p % 48) * 5 : (c == 1 ? (p / 48) * 7 : 128)
            return UInt8(truncatingIfNeeded: v)
        }
        let rgb = Image(width: 48, height: 32, channels: 3, storage: .uint8(colours))
        return [("steel-fine-0.5um.tif", fineImage), ("steel-coarse-1.0um.png", coarseImage),
                ("gradient-16bit.tif", deep), ("colour.bmp", rgb), ("steel-fine-0.5um.jpg", fineImage)]
    }

    func testDemoFixturesAreCurrent() throws {
        let regenerate = ProcessInfo.processInfo.environment["RETICLE_REGENERATE_FIXTURES"] != nil
        if regenerate { try FileManager.default.createDirectory(at: Self.folder, withIntermediateDirectories: true) }
        for (name, image) in Self.fixtures() {
            let path = Self.folder.appendingPathComponent(name).path
            if regenerate { try ImageFile.write(image, to: path) }
            let read = try ImageFile.read(path: path)
            XCTAssertEqual(read.width, image.width, name)
            XCTAssertEqual(read.height, image.height, name)
            XCTAssertEqual(read.channels, image.channels, name)
            if name.hasSuffix(".jpg") { continue }  // lossy: size and shape are what can be pinned
            XCTAssertTrue(read.storage == image.storage, "\(name) differs from its generator: regenerate (see file header)")
        }
    }
}
