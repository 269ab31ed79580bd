// Lower bainite: fine lens-shaped plates in three crossing orientations per prior-austenite
// grain, each plate holding parallel carbide striations at about 57° to its axis; plates etch
// dark on a lighter matrix, so the whole structure etches darker than martensite.

import Foundation

struct LowerBainite: Sendable {
    let hash: SynthHash
    let plateWidth: Double
    let lanePitch: Double
    let logMeanLength: Double
    let logSpread: Double
    /// Carbide striation period across the plate, px (never below what 8-bit sampling keeps).
    let striationPeriod: Double

    /// Carbides lie at this angle to the plate axis.
    static let striationAngle = 57.0 * Double.pi / 180
    /// Share of lane slots that hold a plate.
    static let occupancy = 0.6

    init(specimen: SynthSpecimen, umPerPixel: Double, hash: SynthHash) {
        self.hash = hash
        let lengthPx = specimen.targetNeedleLengthUM / umPerPixel
        plateWidth = min(5.0, max(0.9, specimen.targetNeedleLengthUM / 5)) / umPerPixel
        lanePitch = 2 * plateWidth
        logSpread = specimen.needleLengthSpread
        logMeanLength = NeedleLanes.logMean(forMeanLength: lengthPx, spread: logSpread)
        striationPeriod = max(2.6, 0.9 / umPerPixel)
    }

    @inline(__always)
    func shade(x: Double, y: Double, pixel: Int, grain: Int, tally: inout NeedleTally) -> Float {
        let gh = SynthHash(hash.bits(grain, 0xB41))
        var value: Float = 128 + Float(12 * (gh.unit(1) - 0.5))
        let base = Double.pi * gh.unit(2)
        var top: NeedleLanes.Hit?
        let ca = cos(Self.striationAngle), sa = sin(Self.striationAngle)
        for layer in 0..<3 {
            let theta = base + Double(layer) * Double.pi / 3 + 0.14 * (gh.unit(3, layer) - 0.5)
            let c = cos(theta), s = sin(theta)
            let lanes = NeedleLanes(hash: gh.child(layer), spacing: lanePitch, width: plateWidth,
                                    logMeanLength: logMeanLength, logSpread: logSpread, widthSpread: 0.7, sideShift: 1)
            let hit = lanes.hit(s: c * x + s * y, t: -s * x + c * y)
            guard hit.coverage > 0, lanes.hash.unit(hit.lane, hit.segment, 0x0CC) < Self.occupancy else { continue }
            // Striations: the coordinate across lines at 57° to the axis, in the plate's own frame.
            let u = hit.along * sa - hit.across * ca
            let phase = lanes.hash.unit(hit.lane, hit.segment, 0x57A)
            let wave = 0.5 + 0.5 * cos(2 * Double.pi * (u / striationPeriod + phase))
            let plate = 72 + Float(16 * (lanes.hash.unit(hit.lane, hit.segment, 0x5AD) - 0.5)) - Float(42 * wave * wave * wave)
            value += (plate - value) * hit.coverage
            if hit.coverage >= 0.5 { top = hit }
        }
        if let top { tally.add(top) }
        return value
    }
}
