// Lath and needle structures get no silent G: martensite and bainite are refused with the
// reason (the shape of the detected regions, or the graded type), and with lathSize their packet size is
// measured and labelled as such, within 10 % of the generator's packet intercept.

import Foundation
import Microstructure
import Shared
import XCTest

final class LathGrainSizeTests: XCTestCase {
    func micrograph(_ type: MicrostructureType, seed: UInt64, width: Int = 384, height: Int = 256) throws -> SyntheticMicrograph {
        let grain = 24.0
        let specimen = SynthSpecimen(id: "s", type: type, needleClass: 2, targetNeedleLengthUM: 8, grainSizeUM: grain,
                                     constituents: type == .equiaxed ? [] : [type], seed: seed)
        return try MicrographSynthesizer().micrograph(of: specimen, field: 0, width: width, height: height, umPerPixel: 0.5)
    }

    func testNeedleStructuresAreRefusedWithTheReason() throws {
        for type in [MicrostructureType.martensite, .lowerBainite, .upperBainite] {
            let m = try micrograph(type, seed: 3)
            XCTAssertThrowsError(try GrainSizeAnalysis().measure(m.image, umPerPixel: 0.5), type.rawValue) { e in
                let text = "\(e)"
                XCTAssertTrue(text.contains("no grain size") && text.contains("aspect ratio") && text.contains("--lath-size"), text)
            }
        }
        let equiaxed = try micrograph(.equiaxed, seed: 3)
        let ok = try GrainSizeAnalysis().measure(equiaxed.image, umPerPixel: 0.5)
        XCTAssertNotNil(ok["G"]?.doubleValue)
        XCTAssertEqual(ok["structure"]?["lath_like"], false)
    }

    func testTheGradedTypeDecides() throws {
        let equiaxed = try micrograph(.equiaxed, seed: 4)
        XCTAssertThrowsError(try GrainSizeAnalysis().measure(equiaxed.image, umPerPixel: 0.5, structure: .martensite)) { e in
            XCTAssertTrue("\(e)".contains("graded martensite"), "\(e)")
        }
        XCTAssertNoThrow(try GrainSizeAnalysis().measure(equiaxed.image, umPerPixel: 0.5, structure: .equiaxed))
    }

    func testPacketSizeIsWithinTenPercentOfTruth() throws {
        var measured: [Double] = [], truth: [Double] = []
        for seed: UInt64 in [21, 22] {
            let m = try micrograph(.martensite, seed: seed, width: 768, height: 512)
            let result = try GrainSizeAnalysis(lathSize: true).measure(m.image, umPerPixel: 0.5)
            XCTAssertNil(result["G"], "a packet size is no grain size")
            let packets = try XCTUnwrap(result["packet_size"]?.objectValue)
            XCTAssertTrue(packets["quantity"]?.stringValue?.contains("packet size") ?? false)
            measured.append(try XCTUnwrap(packets["mean_intercept_um"]?.doubleValue))
            truth.append(try XCTUnwrap(m.truth.packetInterceptUM))
        }
        let ratio = measured.reduce(0, +) / truth.reduce(0, +)
        XCTAssertEqual(ratio, 1, accuracy: 0.1, "measured \(measured) µm, truth \(truth) µm")
    }
}
