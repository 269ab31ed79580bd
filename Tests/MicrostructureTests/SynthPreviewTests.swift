// Writes a contact sheet of generated micrographs for eyeballing, only when
// RETICLE_SYNTH_PREVIEW names a folder: `RETICLE_SYNTH_PREVIEW=/tmp/p swift test --filter SynthPreviewTests`.

import Foundation
import Microstructure
import Shared
import XCTest

final class SynthPreviewTests: XCTestCase {
    func testWritePreviews() throws {
        guard let dir = ProcessInfo.processInfo.environment["RETICLE_SYNTH_PREVIEW"] else {
            throw XCTSkip("set RETICLE_SYNTH_PREVIEW=DIR to write previews")
        }
        let size = Int(ProcessInfo.processInfo.environment["RETICLE_SYNTH_SIZE"] ?? "") ?? 256
        var synth = MicrographSynthesizer()
        synth.scaleBar = BurnedInScaleBar(lengthUM: 20)
        let types = MicrostructureType.allCases
        var sheet = [UInt8](repeating: 0, count: 5 * size * types.count * size)
        for (row, type) in types.enumerated() {
            for k in 1...5 {
                let start = Date()
                let m = try SyntheticMicrograph(type: type, needleClass: k, width: size, height: size, umPerPixel: 0.5,
                                                seed: UInt64(k * 7), synthesizer: synth)
                try ImageFile.write(m.image, to: "\(dir)/\(type.rawValue)-\(k).png")
                guard case .uint8(let px) = m.image.storage else { continue }
                for y in 0..<size {
                    let dst = (row * size + y) * 5 * size + (k - 1) * size
                    for x in 0..<size { sheet[dst + x] = px[y * size + x] }
                }
                print(type.rawValue, k, String(format: "%.2fs", Date().timeIntervalSince(start)), m.truth.json.serialized())
            }
        }
        try ImageFile.write(Image(width: 5 * size, height: types.count * size, channels: 1, storage: .uint8(sheet)),
                            to: "\(dir)/sheet.png")
    }
}
