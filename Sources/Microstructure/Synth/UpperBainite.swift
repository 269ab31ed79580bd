// Upper bainite: coarse sheaves of parallel ferrite laths, one sheaf direction per region of
// a prior-austenite grain, with dark carbide films along the lath boundaries and at lath
// ends. Lanes bend slightly across a sheaf, giving the feathery look.

import Foundation

struct UpperBainite: Sendable {
    let hash: SynthHash
    /// Sheaves: a tessellation a little finer than the grains, cut by them.
    let sheaves: SeedTessellation
    let lathWidth: Double
    let lathPitch: Double
    let logMeanLength: Double
    let logSpread: Double
    let grainSizePx: Double

    init(specimen: SynthSpecimen, umPerPixel: Double, width: Int, height: Int, hash: SynthHash) {
        self.hash = hash
        let lengthPx = specimen.targetNeedleLengthUM / umPerPixel
        grainSizePx = specimen.grainSizeUM / umPerPixel
        sheaves = SeedTessellation(width: width, height: height, meanCellAreaPx: grainSizePx * grainSizePx / 2.5, seed: hash.seed(2))
        lathWidth = min(4.5, max(1.0, specimen.targetNeedleLengthUM / 5.5)) / umPerPixel
        lathPitch = lathWidth / 0.78
        logSpread = specimen.needleLengthSpread
        logMeanLength = NeedleLanes.logMean(forMeanLength: lengthPx, spread: logSpread)
    }

    @inline(__always)
    func shade(x: Double, y: Double, pixel: Int, grain: Int, tally: inout NeedleTally) -> Float {
        let sheaf = Int(sheaves.labels[pixel])
        let sh = SynthHash(hash.bits(grain, sheaf, 0x5EAF))
        let theta = Double.pi * sh.unit(1)
        let c = cos(theta), s = sin(theta)
        let dx = x - sheaves.seedX[sheaf], dy = y - sheaves.seedY[sheaf]
        let along = c * dx + s * dy
        let bend = 0.5 * (sh.unit(2) - 0.5) * along * along / grainSizePx
        let across = -s * dx + c * dy + bend
        let lanes = NeedleLanes(hash: sh, spacing: lathPitch, width: lathWidth,
                                logMeanLength: logMeanLength, logSpread: logSpread, tip: 3, widthSpread: 0.2)
        let hit = lanes.hit(s: along, t: across)
        // Films are broken into dashes; where one is missing the gap etches only a little.
        let boundary = hit.across > 0 ? hit.lane + 1 : hit.lane
        let dash = Int((along / (3 * lathPitch)).rounded(.down))
        let film: Float = sh.unit(boundary, dash, 0xF11) < 0.78 ? 62 : 128
        let lath: Float = 188 + Float(14 * (sh.unit(hit.lane, hit.segment, 0x5AD) - 0.5)) + Float(10 * (sh.unit(4) - 0.5))
        if hit.coverage >= 0.5 { tally.add(hit) }
        return film + (lath - film) * hit.coverage
    }
}
