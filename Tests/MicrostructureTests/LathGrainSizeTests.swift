// Lath and needle structures get no silent G: martensite and bainite are refused with the
// reason (the shape of the detected regions, or the graded type), and with lathSize their packet size is
// measured and labelled as such, within 10 % of the generator's packet intercept.

import Foundation
import Microstructure
import Shared
import XCTest

final class LathGrainSizeTests: XCTestCase {
    func micrograph(_ type: MicrostructureType, seed: UInt64, grain: Double = 24, width: Int = 384, height: Int = 256) throws -> SyntheticMicrograph {
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

    /// Over the validated range (9–28 px packets measured, at least 10 across a field), each size's mean over two
    /// seeds is within 10 % of the generator's packet intercept; the figures are the measured ones.
    func testPacketSizeIsWithinTenPercentOfTruth() throws {
        for (grain, expected) in [(16.0, 0.95), (24.0, 0.954), (48.0, 0.961)] {
            var measured: [Double] = [], truth: [Double] = []
            for seed: UInt64 in grain == 24 ? [21, 22] : [31, 32] {
                let size = grain == 48 ? (1536, 1024) : (768, 512)
                let m = try micrograph(.martensite, seed: seed, grain: grain, width: size.0, height: size.1)
                let result = try GrainSizeAnalysis(lathSize: true).measure(m.image, umPerPixel: 0.5)
                XCTAssertNil(result["G"], "a packet size is no grain size")
                let packets = try XCTUnwrap(result["packet_size"]?.objectValue)
                XCTAssertTrue(packets["quantity"]?.stringValue?.contains("packet size") ?? false)
                XCTAssertEqual(packets["warnings"]?.arrayValue, [], "inside the validated range")
                measured.append(try XCTUnwrap(packets["mean_intercept_um"]?.doubleValue))
                truth.append(try XCTUnwrap(m.truth.packetInterceptUM))
            }
            let ratio = measured.reduce(0, +) / truth.reduce(0, +)
            XCTAssertEqual(ratio, 1, accuracy: 0.1, "grain \(grain) µm: measured \(measured) µm, truth \(truth) µm")
            XCTAssertEqual(ratio, expected, accuracy: 0.03, "grain \(grain) µm: the measured ratio moved")
        }
    }

    /// Packets finer than the method resolves, or too few per field, still get a figure, with the reason it is not to be trusted.
    func testOutsideTheValidatedRangeIsWarned() throws {
        let fine = try micrograph(.martensite, seed: 31, grain: 6, width: 768, height: 512)
        let f = try GrainSizeAnalysis(lathSize: true).measure(fine.image, umPerPixel: 0.5)
        let fw = f["packet_size"]?["warnings"]?.arrayValue?.compactMap(\.stringValue) ?? []
        XCTAssertTrue(fw.first?.contains("px is below the 8.5 px this method resolves") ?? false, "\(fw)")
        XCTAssertTrue(f["warnings"]?.arrayValue?.contains(where: { $0.stringValue?.hasPrefix("packet size: a mean intercept of") ?? false }) ?? false)
        let coarse = try micrograph(.martensite, seed: 31, grain: 64, width: 768, height: 512)
        let c = try GrainSizeAnalysis(lathSize: true).measure(coarse.image, umPerPixel: 0.5)
        let cw = c["packet_size"]?["warnings"]?.arrayValue?.compactMap(\.stringValue) ?? []
        XCTAssertTrue(cw.first?.contains("packet intercepts across a 256 px field, fewer than 10") ?? false, "\(cw)")
    }
}
