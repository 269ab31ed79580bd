// The generated types differ in simple image statistics a small CNN can pick up (brightness,
// orientation coherence, dark-film fraction, texture energy), and the simple texture measures
// those checks use.

import Foundation
import Microstructure
import Shared
import XCTest

/// Rough texture measures on a grey image, for checking generated structures.
struct TextureMeasures {
    let width: Int
    let height: Int
    let v: [Float]

    init(_ image: Image) {
        width = image.width
        height = image.height
        v = image.floatPixels(normalized: false)
    }

    var mean: Double { Double(v.reduce(0, +)) / Double(v.count) }

    /// Fraction of pixels darker than `level`.
    func fraction(below level: Float) -> Double { Double(v.filter { $0 < level }.count) / Double(v.count) }

    /// Mean gradient magnitude (central differences): texture energy.
    var gradientEnergy: Double {
        var sum = 0.0
        for y in 1..<(height - 1) {
            for x in 1..<(width - 1) {
                let gx = v[y * width + x + 1] - v[y * width + x - 1], gy = v[(y + 1) * width + x] - v[(y - 1) * width + x]
                sum += Double((gx * gx + gy * gy).squareRoot())
            }
        }
        return sum / Double((width - 2) * (height - 2))
    }

    /// Structure-tensor coherence (0 isotropic … 1 one direction) and the needle direction
    /// (perpendicular to the mean gradient) of a tile.
    func orientation(x0: Int, y0: Int, size: Int) -> (coherence: Double, angle: Double) {
        var jxx = 0.0, jyy = 0.0, jxy = 0.0
        for y in max(1, y0)..<min(height - 1, y0 + size) {
            for x in max(1, x0)..<min(width - 1, x0 + size) {
                let gx = Double(v[y * width + x + 1] - v[y * width + x - 1]), gy = Double(v[(y + 1) * width + x] - v[(y - 1) * width + x])
                jxx += gx * gx; jyy += gy * gy; jxy += gx * gy
            }
        }
        let trace = jxx + jyy
        guard trace > 0 else { return (0, 0) }
        let coherence = ((jxx - jyy) * (jxx - jyy) + 4 * jxy * jxy).squareRoot() / trace
        return (coherence, 0.5 * atan2(2 * jxy, jxx - jyy) + Double.pi / 2)
    }

    /// Mean tile coherence over `size` px tiles.
    func coherence(tile size: Int = 24) -> Double {
        var sum = 0.0, n = 0
        for y0 in stride(from: 0, through: height - size, by: size) {
            for x0 in stride(from: 0, through: width - size, by: size) { sum += orientation(x0: x0, y0: y0, size: size).coherence; n += 1 }
        }
        return sum / Double(max(1, n))
    }

    /// Median over tiles of the autocorrelation length along the needles: for each of 18
    /// directions, the lag (px) at which the correlation between a pixel of the tile and the
    /// pixels that far away in that direction first drops below one half; the longest of these
    /// is the length along the needles.
    func correlationLength(tile: Int = 32, maxLag: Int = 160) -> Double {
        var lengths: [Double] = []
        for y0 in stride(from: 0, through: height - tile, by: tile) {
            for x0 in stride(from: 0, through: width - tile, by: tile) {
                var longest = 0.0
                for d in 0..<18 {
                    let angle = Double(d) * Double.pi / 18
                    longest = max(longest, correlationLength(x0: x0, y0: y0, tile: tile, dx: cos(angle), dy: sin(angle), maxLag: maxLag))
                }
                lengths.append(longest)
            }
        }
        let s = lengths.sorted()
        return s.isEmpty ? 0 : s[s.count / 2]
    }

    func correlationLength(x0: Int, y0: Int, tile: Int, dx: Double, dy: Double, maxLag: Int) -> Double {
        var previous = 1.0
        var lag = 1
        while lag <= maxLag {
            var a: [Double] = [], b: [Double] = []
            for y in stride(from: y0, to: y0 + tile, by: 3) {
                for x in stride(from: x0, to: x0 + tile, by: 3) {
                    for sign in [-1.0, 1.0] {
                        let xx = Int((Double(x) + sign * Double(lag) * dx).rounded()), yy = Int((Double(y) + sign * Double(lag) * dy).rounded())
                        guard xx >= 0, yy >= 0, xx < width, yy < height else { continue }
                        a.append(Double(v[y * width + x])); b.append(Double(v[yy * width + xx]))
                    }
                }
            }
            guard a.count > 20 else { break }
            let r = Self.pearson(a, b)
            if r < 0.5 { return Double(lag - 1) + (previous - 0.5) / max(1e-9, previous - r) }
            previous = r
            lag += lag < 8 ? 1 : 2
        }
        return Double(maxLag)
    }

    static func pearson(_ a: [Double], _ b: [Double]) -> Double {
        let n = Double(a.count)
        let ma = a.reduce(0, +) / n, mb = b.reduce(0, +) / n
        var sab = 0.0, saa = 0.0, sbb = 0.0
        for i in 0..<a.count { sab += (a[i] - ma) * (b[i] - mb); saa += (a[i] - ma) * (a[i] - ma); sbb += (b[i] - mb) * (b[i] - mb) }
        return sab / max(1e-12, (saa * sbb).squareRoot())
    }
}

final class SynthTypeStatisticsTests: XCTestCase {
    /// Mean measures of three specimens of a type at class 3, 192×192 px at 0.5 µm/px.
    func measures(_ type: MicrostructureType, needleClass: Int = 3) throws -> (mean: Double, coherence: Double, dark: Double, energy: Double) {
        var sums = (0.0, 0.0, 0.0, 0.0)
        let seeds: [UInt64] = [3, 14, 15]
        for seed in seeds {
            let m = try SyntheticMicrograph(type: type, needleClass: needleClass, width: 192, height: 192, umPerPixel: 0.5, seed: seed)
            let t = TextureMeasures(m.image)
            sums.0 += t.mean; sums.1 += t.coherence(); sums.2 += t.fraction(below: Float(t.mean) - 45); sums.3 += t.gradientEnergy
        }
        let n = Double(seeds.count)
        return (sums.0 / n, sums.1 / n, sums.2 / n, sums.3 / n)
    }

    func testTypesDifferInSimpleStatistics() throws {
        for k in [1, 3, 5] {
            let m = try measures(.martensite, needleClass: k), lower = try measures(.lowerBainite, needleClass: k)
            let upper = try measures(.upperBainite, needleClass: k), eq = try measures(.equiaxed, needleClass: k)
            let text = "class \(k):\n martensite \(m)\n lower \(lower)\n upper \(upper)\n equiaxed \(eq)"
            // Lower bainite etches darkest.
            XCTAssertLessThan(lower.mean, min(m.mean, upper.mean) - 30, text)
            // Upper bainite's carbide films make the strongest texture.
            XCTAssertGreaterThan(upper.energy, 1.4 * m.energy, text)
            // Grain boundaries or brightness set equiaxed ferrite apart from martensite.
            XCTAssertTrue(abs(eq.mean - m.mean) > 20 || eq.dark > 5 * m.dark, text)
            if k >= 3 {
                // Once needles span several pixels: parallel laths are coherent, crossing plates are not,
                // and upper bainite's dark films cover a good part of the field.
                XCTAssertGreaterThan(m.coherence, lower.coherence + 0.1, text)
                XCTAssertGreaterThan(upper.coherence, lower.coherence + 0.2, text)
                XCTAssertGreaterThan(upper.dark, 3 * max(m.dark, lower.dark), text)
            }
        }
    }
}
