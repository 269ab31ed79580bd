// Lath martensite as the light microscope shows it: each prior-austenite grain split into
// packets, each packet into parallel bands (blocks) whose laths share a direction. A packet
// holds 3–4 block variants, whose lath traces differ by a few degrees and which etch to
// different greys, giving the banded look; laths are thin bright/dark needles.

import Foundation

struct LathMartensite: Sendable {
    let hash: SynthHash
    /// Packets: a finer tessellation cut by the grains.
    let packets: SeedTessellation
    let lathWidth: Double
    let lathPitch: Double
    let logMeanLength: Double
    let logSpread: Double

    /// Trace offsets of the block variants from the packet direction, radians.
    static let variantOffsets: [Double] = [0, 9, -8, 17].map { $0 * Double.pi / 180 }
    /// Grey offsets of the block variants: alternate light and dark bands.
    static let variantShades: [Float] = [16, -22, 6, -36]

    init(specimen: SynthSpecimen, umPerPixel: Double, width: Int, height: Int, hash: SynthHash) {
        self.hash = hash
        let lengthPx = specimen.targetNeedleLengthUM / umPerPixel
        let grainArea = pow(specimen.grainSizeUM / umPerPixel, 2)
        packets = SeedTessellation(width: width, height: height, meanCellAreaPx: grainArea / 3, seed: hash.seed(1))
        // Laths get thicker with length (aspect about 7) but stay within what optics resolves.
        lathWidth = min(3.0, max(0.7, specimen.targetNeedleLengthUM / 7)) / umPerPixel
        lathPitch = lathWidth / 0.85
        logSpread = specimen.needleLengthSpread
        logMeanLength = NeedleLanes.logMean(forMeanLength: lengthPx, spread: logSpread)
    }

    @inline(__always)
    func shade(x: Double, y: Double, pixel: Int, grain: Int, tally: inout NeedleTally) -> Float {
        let packet = Int(packets.labels[pixel])
        let ph = SynthHash(hash.bits(grain, packet, 0xAC7))
        let theta = Double.pi * ph.unit(1)
        let variants = 3 + Int(ph.bits(2) & 1)
        let sign = ph.unit(3) < 0.5 ? -1.0 : 1.0
        // Blocks: bands along the packet direction, 4–8 laths wide; a gentle warp varies their widths.
        let blockWidth = lathPitch * (4 + 4 * ph.unit(4))
        let across = -sin(theta) * x + cos(theta) * y
        let warp = 0.3 * sin(2 * Double.pi * across / (2.7 * blockWidth) + 6.283 * ph.unit(5))
        let block = Int((across / blockWidth + warp).rounded(.down))
        let variant = Int(ph.bits(block, 6) % UInt64(variants))
        let phi = theta + sign * Self.variantOffsets[variant]
        let c = cos(phi), s = sin(phi)
        let lanes = NeedleLanes(hash: ph.child(block), spacing: lathPitch, width: lathWidth,
                                logMeanLength: logMeanLength, logSpread: logSpread, tip: 2, widthSpread: 0.3)
        let hit = lanes.hit(s: c * x + s * y, t: -s * x + c * y)
        let packetShade = 158 + Float(14 * (ph.unit(7) - 0.5))
        let blockShade = packetShade + Self.variantShades[variant]
        if hit.coverage <= 0 { return blockShade - 18 }
        if hit.coverage >= 0.5 { tally.add(hit) }
        let lathShade = blockShade + Float(44 * (lanes.hash.unit(hit.lane, hit.segment, 0x5AD) - 0.5))
        return blockShade - 18 + (lathShade - blockShade + 18) * hit.coverage
    }
}
