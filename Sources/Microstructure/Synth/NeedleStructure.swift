// One field of a needle structure (martensite, lower or upper bainite, or a grain-by-grain
// mix): the etched grey levels before the microscope's optics, and the needles it shows.

import Foundation

struct NeedleStructure: Sendable {
    enum Constituent: Sendable {
        case martensite(LathMartensite)
        case lowerBainite(LowerBainite)
        case upperBainite(UpperBainite)

        @inline(__always)
        func shade(x: Double, y: Double, pixel: Int, grain: Int, tally: inout NeedleTally) -> Float {
            switch self {
            case .martensite(let m): return m.shade(x: x, y: y, pixel: pixel, grain: grain, tally: &tally)
            case .lowerBainite(let b): return b.shade(x: x, y: y, pixel: pixel, grain: grain, tally: &tally)
            case .upperBainite(let b): return b.shade(x: x, y: y, pixel: pixel, grain: grain, tally: &tally)
            }
        }
    }

    let width: Int
    let height: Int
    let specimen: SynthSpecimen
    /// Prior-austenite grains.
    let grains: SeedTessellation
    let constituents: [Constituent]
    let hash: SynthHash

    /// Depth of the etched prior-austenite grain boundary groove, grey levels.
    static let boundaryDepth: Float = 34

    init(specimen: SynthSpecimen, umPerPixel: Double, width: Int, height: Int, fieldSeed: UInt64) {
        precondition(specimen.type.hasNeedles, "\(specimen.type.rawValue) has no needles")
        self.width = width
        self.height = height
        self.specimen = specimen
        let hash = SynthHash(fieldSeed)
        self.hash = hash
        grains = SeedTessellation(width: width, height: height, meanCellAreaPx: pow(specimen.grainSizeUM / umPerPixel, 2),
                                  seed: hash.seed(0))
        constituents = specimen.constituents.enumerated().map { k, type in
            let h = SynthHash(hash.seed(10 + k))
            switch type {
            case .lowerBainite: return .lowerBainite(LowerBainite(specimen: specimen, umPerPixel: umPerPixel, hash: h))
            case .upperBainite: return .upperBainite(UpperBainite(specimen: specimen, umPerPixel: umPerPixel, width: width, height: height, hash: h))
            default: return .martensite(LathMartensite(specimen: specimen, umPerPixel: umPerPixel, width: width, height: height, hash: h))
            }
        }
    }

    /// Which constituent a grain holds: for a mix, each grain draws one.
    @inline(__always)
    func constituent(ofGrain g: Int) -> Int {
        constituents.count == 1 ? 0 : (hash.unit(g, 0xC0) < specimen.firstConstituentFraction ? 0 : 1)
    }

    /// Row-major grey levels (0–255 scale, unclamped) and the needles that show.
    func render() -> (values: [Float], tally: NeedleTally) {
        var values = [Float](repeating: 0, count: width * height)
        var tally = NeedleTally()
        let contrast = Float(specimen.etchContrast), brightness = Float(specimen.etchBrightness)
        grains.labels.withUnsafeBufferPointer { labels in
        grains.boundaryDistance.withUnsafeBufferPointer { distance in
        values.withUnsafeMutableBufferPointer { out in
            for y in 0..<height {
                let py = Double(y) + 0.5
                for x in 0..<width {
                    let p = y * width + x
                    let g = Int(labels[p])
                    var v = constituents[constituent(ofGrain: g)].shade(x: Double(x) + 0.5, y: py, pixel: p, grain: g, tally: &tally)
                    // Grains etch a little differently from each other.
                    v += Float(10 * (hash.unit(g, 0xE7C) - 0.5))
                    let d = distance[p]
                    if d < 0.8 { v -= Self.boundaryDepth * (1 - d / 0.8) }
                    out[p] = 150 + (v - 150) * contrast + brightness
                }
            }
        }}}
        // Blotches a few grains across, whatever the needle size.
        EtchMottle(hash: hash.child(0xB10), spacing: max(24, 2 * grains.cellSide), amplitude: 8)
            .apply(to: &values, width: width, height: height)
        return (values, tally)
    }
}
