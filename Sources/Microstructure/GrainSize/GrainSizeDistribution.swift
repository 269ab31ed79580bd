// The distribution of individual grain sizes over one image, and what ASTM reads from it:
// ALA (E930), an isolated grain at least 3 G numbers coarser than the average, and duplex
// (E1181), coarse grains making up more than the 5 % of the area E930 allows an ALA.
// Grains cut by the image edge or by an excluded region (scale bar) are left out: their area
// is not known. That drops large grains more often than small ones, so the histogram is for
// inspection; G comes from the field counts.

import Foundation
import Shared

public struct GrainSizeDistribution: Sendable {
    /// Per whole grain: G of a grain of that area (N_A = 1/area).
    public let grainG: [Double]
    /// Area of each whole grain, µm².
    public let areasUM2: [Double]
    public let standard: GrainSizeStandard

    /// E930: an ALA grain is at least this many G numbers coarser than the average.
    public static let alaOffset = 3.0
    /// E930 applies while such grains cover at most this share of the area; beyond it E1181 (duplex).
    public static let alaAreaShare = 0.05

    public init(grains: GrainLabels, umPerPixel: Double, standard: GrainSizeStandard, exclude: [PixelRect] = []) {
        var cut = [Bool](repeating: false, count: grains.count + 1)
        let w = grains.width, h = grains.height
        for x in 0..<w { cut[Int(grains.labels[x])] = true; cut[Int(grains.labels[(h - 1) * w + x])] = true }
        for y in 0..<h { cut[Int(grains.labels[y * w])] = true; cut[Int(grains.labels[y * w + w - 1])] = true }
        for r in exclude {
            // The ring just outside the region: grains it touches are cut by it.
            for y in max(0, r.y - 1)..<min(h, r.y + r.height + 1) {
                for x in max(0, r.x - 1)..<min(w, r.x + r.width + 1) { cut[Int(grains.labels[y * w + x])] = true }
            }
        }
        var areas: [Double] = []
        for l in 1..<(grains.count + 1) where !cut[l] { areas.append(Double(grains.areas[l]) * umPerPixel * umPerPixel) }
        areasUM2 = areas
        grainG = areas.map { standard.grainSizeNumber(grainsPerMM2: 1e6 / $0) }
        self.standard = standard
    }

    /// Area share of grains at least `alaOffset` G coarser than `meanG`.
    public func coarseAreaShare(meanG: Double) -> Double {
        let total = areasUM2.reduce(0, +)
        guard total > 0 else { return 0 }
        let coarse = zip(grainG, areasUM2).filter { $0.0 <= meanG - Self.alaOffset }.reduce(0) { $0 + $1.1 }
        return coarse / total
    }

    /// Histogram (1-G bins, count and area share), ALA and duplex indications against `meanG`.
    public func json(meanG: Double) -> JSONObject {
        guard !grainG.isEmpty else { return ["whole_grains": .int(0)] }
        let total = areasUM2.reduce(0, +)
        var bins: [Int: (count: Int, area: Double)] = [:]
        for (g, a) in zip(grainG, areasUM2) {
            let b = Int(g.rounded(.down))
            bins[b, default: (0, 0)].count += 1
            bins[b, default: (0, 0)].area += a
        }
        let histogram: [JSONValue] = bins.keys.sorted().map { b in
            ["G_from": .int(b), "G_to": .int(b + 1), "grains": .int(bins[b]!.count),
             "area_pct": .number((1000 * bins[b]!.area / total).rounded() / 10)]
        }
        let largest = areasUM2.indices.max { areasUM2[$0] < areasUM2[$1] }!
        let alaG = grainG[largest]
        let share = coarseAreaShare(meanG: meanG)
        var o: JSONObject = [
            "whole_grains": .int(grainG.count),
            "histogram": .array(histogram),
            "largest_grain_um2": .number(GrainSizeMeasurement.round(areasUM2[largest], 4)),
            "ALA_G": .number((alaG * 10).rounded() / 10),
            "coarse_area_pct": .number((share * 1000).rounded() / 10),
        ]
        let coarse = alaG <= meanG - Self.alaOffset
        o["ALA"] = .bool(coarse && share <= Self.alaAreaShare)
        o["duplex"] = .bool(share > Self.alaAreaShare)
        if share > Self.alaAreaShare {
            o["indication"] = .string(String(format: "duplex (ASTM E1181): %.1f %% of the area is in grains 3 or more G coarser than G %.2f; report both populations", 100 * share, meanG))
        } else if coarse {
            o["indication"] = .string(String(format: "ALA (ASTM E930): largest grain G %.1f, %.1f G coarser than the average, %.1f %% of the area", alaG, meanG - alaG, 100 * share))
        } else {
            o["indication"] = .string("none: no grain 3 G coarser than the average")
        }
        return o
    }
}
