// Needle length follows the class: measured from the image itself (autocorrelation length
// along the needles), it grows with the class for every needle type.

import Foundation
import Microstructure
import Shared
import XCTest

final class SynthNeedleLengthTests: XCTestCase {
    func testLengthMeasuredFromTheImageGrowsWithClass() throws {
        for type in MicrostructureType.needleConstituents {
            var measured: [Double] = []
            for k in [1, 3, 5] {
                var sum = 0.0
                for seed: UInt64 in [5, 6] {
                    let m = try SyntheticMicrograph(type: type, needleClass: k, width: 192, height: 192, umPerPixel: 0.5, seed: seed)
                    sum += TextureMeasures(m.image).correlationLength(maxLag: 120)
                }
                measured.append(sum / 2)
            }
            // Class 5 needles are 16× class 1's; the rough measure must at least grow steadily.
            XCTAssertGreaterThan(measured[1], 1.5 * measured[0], "\(type.rawValue): \(measured)")
            XCTAssertGreaterThan(measured[2], 1.5 * measured[1], "\(type.rawValue): \(measured)")
        }
    }
}
