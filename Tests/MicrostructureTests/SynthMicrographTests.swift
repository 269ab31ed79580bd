// Generated micrographs: deterministic for a seed, calibrated 8-bit grey, truth that matches
// the request (type, class, needle length in the class's range, grain size), burned-in scale
// bars where the truth says, and usage errors for requests that cannot be drawn.

import Foundation
import Microstructure
import Shared
import XCTest

final class SynthMicrographTests: XCTestCase {
    func testSameSeedGivesIdenticalPixelsAndAnotherSeedDifferentOnes() throws {
        for type in MicrostructureType.allCases {
            let a = try SyntheticMicrograph(type: type, needleClass: 2, width: 96, height: 80, umPerPixel: 0.5, seed: 42)
            let b = try SyntheticMicrograph(type: type, needleClass: 2, width: 96, height: 80, umPerPixel: 0.5, seed: 42)
            let c = try SyntheticMicrograph(type: type, needleClass: 2, width: 96, height: 80, umPerPixel: 0.5, seed: 43)
            XCTAssertEqual(a.image, b.image, type.rawValue)
            XCTAssertEqual(a.truth, b.truth, type.rawValue)
            XCTAssertNotEqual(a.image.storage, c.image.storage, type.rawValue)
        }
    }

    func testImageIsCalibratedEightBitGrayOfTheRequestedSize() throws {
        let m = try SyntheticMicrograph(type: .martensite, needleClass: 3, width: 120, height: 90, umPerPixel: 0.4, seed: 1)
        XCTAssertEqual(m.image.width, 120)
        XCTAssertEqual(m.image.height, 90)
        XCTAssertEqual(m.image.channels, 1)
        XCTAssertEqual(m.image.sampleType, .uint8)
        XCTAssertEqual(m.image.calibration?.umPerPixel ?? 0, 0.4, accuracy: 1e-12)
        XCTAssertEqual(m.truth.umPerPixel, 0.4)
        XCTAssertEqual(m.truth.width, 120)
        // Realistic etch: grey levels spread well within 0…255, not a binary drawing.
        let t = TextureMeasures(m.image)
        XCTAssertTrue((90...210).contains(t.mean), "mean \(t.mean)")
        XCTAssertLessThan(t.fraction(below: 1), 0.01)
    }

    func testTruthRecordsTypeClassNeedleLengthAndGrainSize() throws {
        let scale = NeedleLengthScale()
        for type in MicrostructureType.allCases {
            for k in scale.classes {
                for seed: UInt64 in [7, 8] {
                    let m = try SyntheticMicrograph(type: type, needleClass: k, width: 160, height: 160, umPerPixel: 0.5, seed: seed)
                    let t = m.truth
                    let label = "\(type.rawValue) class \(k) seed \(seed)"
                    XCTAssertEqual(t.type, type, label)
                    let specimen = SynthSpecimen.draw(type: type, needleClass: k, seed: seed)
                    XCTAssertEqual(t.grainSize.grainsPerMM2, 1e6 / (specimen.grainSizeUM * specimen.grainSizeUM), accuracy: 1e-6, label)
                    XCTAssertEqual(t.grainSize.astmG, 3.321928 * log10(t.grainSize.grainsPerMM2) - 2.954, accuracy: 0.01, label)
                    guard type.hasNeedles else {
                        XCTAssertNil(t.needleClass, label)
                        XCTAssertNil(t.meanNeedleLengthUM, label)
                        XCTAssertEqual(t.grainSize.kind, "equiaxed")
                        XCTAssertTrue(t.constituents.isEmpty)
                        continue
                    }
                    XCTAssertEqual(t.needleClass, k, label)
                    XCTAssertEqual(t.grainSize.kind, "prior-austenite")
                    let length = try XCTUnwrap(t.meanNeedleLengthUM, label)
                    let target = try XCTUnwrap(t.targetNeedleLengthUM, label)
                    XCTAssertTrue(scale.range(ofClass: k).contains(target), "\(label): target \(target)")
                    XCTAssertTrue(scale.range(ofClass: k).contains(length), "\(label): field mean \(length) µm")
                    XCTAssertEqual(length, target, accuracy: 0.25 * target, label)
                    XCTAssertGreaterThan(t.needleCount ?? 0, 3, label)
                    if type == .mixed {
                        XCTAssertEqual(t.constituents.count, 2, label)
                        XCTAssertNotEqual(t.constituents[0], t.constituents[1], label)
                        XCTAssertTrue(t.constituents.allSatisfy { $0.hasNeedles && $0 != .mixed }, label)
                        XCTAssertTrue((0.35...0.65).contains(t.firstConstituentFraction ?? 0), label)
                    } else {
                        XCTAssertEqual(t.constituents, [type], label)
                    }
                }
            }
        }
    }

    func testFieldsOfOneSpecimenShareItsParametersButNotTheirPixels() throws {
        let specimen = SynthSpecimen.draw(id: "s0042", type: .upperBainite, needleClass: 3, seed: 99)
        let synth = MicrographSynthesizer()
        let a = try synth.micrograph(of: specimen, field: 0, width: 128, height: 128, umPerPixel: 0.5)
        let b = try synth.micrograph(of: specimen, field: 1, width: 128, height: 128, umPerPixel: 0.5)
        XCTAssertNotEqual(a.image.storage, b.image.storage)
        XCTAssertEqual(a.truth.specimen, "s0042")
        XCTAssertEqual(b.truth.field, 1)
        XCTAssertEqual(a.truth.targetNeedleLengthUM, b.truth.targetNeedleLengthUM)
        XCTAssertEqual(a.truth.grainSize, b.truth.grainSize)
        XCTAssertEqual(a.truth.meanNeedleLengthUM ?? 0, b.truth.meanNeedleLengthUM ?? 1, accuracy: 0.15 * (specimen.targetNeedleLengthUM))
    }

    func testNeedleScaleDoublesFromClassToClass() throws {
        let scale = NeedleLengthScale(classCount: 5, class1MinimumUM: 2)
        XCTAssertEqual(scale.range(ofClass: 1), 2..<4)
        XCTAssertEqual(scale.range(ofClass: 5), 32..<64)
        XCTAssertEqual(scale.describe(3), "class 3 (8–16 µm)")
        XCTAssertTrue(NeedleLengthScale.houseScaleName.contains("in the style of ISO 643"))
        XCTAssertTrue(NeedleLengthScale.houseScaleName.contains("not an ISO 643 G number"))
        XCTAssertThrowsError(try NeedleLengthScale(classCount: 0).validate())
    }

    func testScaleBarIsBurnedInWhereTheTruthSaysAndTheDetectorFindsIt() throws {
        // 20 µm at 0.5 µm/px: 40 px exactly, white.
        var synth = MicrographSynthesizer()
        synth.scaleBar = BurnedInScaleBar(lengthUM: 20)
        let m = try SyntheticMicrograph(type: .martensite, needleClass: 2, width: 256, height: 192, umPerPixel: 0.5, seed: 3, synthesizer: synth)
        let place = try XCTUnwrap(m.truth.scaleBar)
        XCTAssertEqual(place.lengthPx, 40)
        XCTAssertEqual(place.bar.width, 40)
        XCTAssertTrue(place.bar.maxX < 256 && place.bar.maxY < 192 && place.bar.y > 150, "bottom right: \(place.bar)")
        for y in place.bar.y...place.bar.maxY {
            for x in place.bar.x...place.bar.maxX { XCTAssertEqual(m.image.sample(x: x, y: y), 255) }
        }
        let label = try XCTUnwrap(place.label)
        XCTAssertLessThan(label.maxY, place.bar.y, "label above the bar")
        XCTAssertTrue(place.annotation.contains(label) && place.annotation.contains(place.bar))
        let found = try XCTUnwrap(ScaleBarDetector().detect(in: m.image))
        XCTAssertEqual(found.polarity, .light)
        XCTAssertEqual(found.umPerPixel(lengthUM: 20), 0.5, accuracy: 0.005)
        XCTAssertTrue(found.mask.contains(place.bar), "mask \(found.mask) covers \(place.bar)")

        // 50 µm at 0.37 µm/px: 135.1 px, black, anti-aliased end; within 1 % of the scale.
        synth.scaleBar = BurnedInScaleBar(lengthUM: 50, polarity: .dark)
        let d = try SyntheticMicrograph(type: .upperBainite, needleClass: 3, width: 320, height: 240, umPerPixel: 0.37, seed: 4, synthesizer: synth)
        let dark = try XCTUnwrap(d.truth.scaleBar)
        XCTAssertEqual(dark.lengthPx, 50 / 0.37, accuracy: 1e-9)
        XCTAssertEqual(dark.polarity, .dark)
        let foundDark = try XCTUnwrap(ScaleBarDetector().detect(in: d.image))
        XCTAssertEqual(foundDark.polarity, .dark)
        XCTAssertEqual(foundDark.umPerPixel(lengthUM: 50), 0.37, accuracy: 0.0037)

        // Without a bar, no needle or grain structure passes for one (films and laths are not bars).
        for (i, type) in MicrostructureType.allCases.enumerated() {
            let plain = try SyntheticMicrograph(type: type, needleClass: 3, width: 256, height: 192, umPerPixel: 0.5, seed: UInt64(30 + i))
            XCTAssertNil(ScaleBarDetector().detect(in: plain.image), type.rawValue)
        }
    }

    func testRequestsThatCannotBeDrawnAreUsageErrors() {
        func usage(_ body: @autoclosure () throws -> SyntheticMicrograph, _ needle: String, line: UInt = #line) {
            XCTAssertThrowsError(try body(), line: line) { e in
                XCTAssertEqual((e as? ReticleError)?.kind, .usage, line: line)
                XCTAssertTrue("\(e)".contains(needle), "\(e)", line: line)
            }
        }
        usage(try SyntheticMicrograph(type: .martensite, needleClass: 0, width: 64, height: 64, umPerPixel: 0.5, seed: 1), "class 0")
        usage(try SyntheticMicrograph(type: .martensite, needleClass: 6, width: 64, height: 64, umPerPixel: 0.5, seed: 1), "class 6")
        usage(try SyntheticMicrograph(type: .martensite, needleClass: 1, width: 8, height: 64, umPerPixel: 0.5, seed: 1), "size")
        usage(try SyntheticMicrograph(type: .martensite, needleClass: 1, width: 64, height: 64, umPerPixel: 0, seed: 1), "µm/px")
        usage(try SyntheticMicrograph(type: .lowerBainite, needleClass: 1, width: 64, height: 64, umPerPixel: 4, seed: 1), "finer scale")
        var synth = MicrographSynthesizer()
        synth.scaleBar = BurnedInScaleBar(lengthUM: 100)
        usage(try SyntheticMicrograph(type: .martensite, needleClass: 2, width: 128, height: 128, umPerPixel: 0.5, seed: 1, synthesizer: synth), "60 %")
        XCTAssertThrowsError(try MicrostructureType.parseList("martensite,pearlite")) { e in
            XCTAssertTrue("\(e)".contains("pearlite"))
        }
        XCTAssertEqual(try MicrostructureType.parseList("lower-bainite, mixed,lower-bainite"), [.lowerBainite, .mixed])
    }
}
