// Is this a lath or needle structure (martensite, bainite)? There, the grooves a boundary
// detector finds are lath, block and packet boundaries, not the prior-austenite grain
// boundaries a grain size describes (those need a PAG etch or a reconstruction from EBSD), so
// a G would be 2–5 numbers too fine with nothing to say so.
//
// A screen, not a classifier (`grade` has one, and its type decides there), with two tells:
// - the shape of what the detector separates: equiaxed grains are polygons (area-weighted
//   mean aspect ratio of their second moments 1.6–1.63 on generated equiaxed fields), the
//   slivers between coarse laths and needles are long (1.87–7.3). Rolled grains are long too,
//   but all the same way; laths change direction from packet to packet, so long regions only
//   count as needles while their axes do not share one direction over the image;
// - the texture: grain boundaries are smooth lines, so the grey structure tensor over 7×7
//   windows is coherent (0.55–0.89 on generated equiaxed fields), fine needles are short,
//   tipped and crossing (0.26–0.47 where their regions are not yet long).
// Together: needle score = aspect − 1.5·coherence, above 0.82 (and the regions not aligned)
// is a needle structure (figures above: the first 30 generated fields). On 70 generated
// fields (three seeds; 15 equiaxed G 1.9–12, 55 needle fields of every type) it separates
// every one; the limits were
// chosen on those fields, so `--structure equiaxed|lath` overrides the screen where real
// fields fool it.

import Foundation
import Shared

public struct LathStructureCheck: Sendable {
    /// Without a grey image (nothing to read texture from), mean aspect ratio above which the regions are needles.
    public var aspectLimit: Double
    /// Alignment (0 = axes every way, 1 = all parallel) at or above which long regions are one
    /// rolled or worked texture, not packets of laths.
    public var alignmentLimit: Double

    /// `Assessment.score` above which the field is needles, not grains.
    public var scoreLimit: Double

    public init(aspectLimit: Double = 1.85, alignmentLimit: Double = 0.6, scoreLimit: Double = 0.82) {
        self.aspectLimit = aspectLimit
        self.alignmentLimit = alignmentLimit
        self.scoreLimit = scoreLimit
    }

    public struct Assessment: Equatable, Sendable {
        /// Area-weighted mean aspect ratio (√(λ1/λ2) of the second moments) of whole regions.
        public var aspect: Double
        /// Energy-weighted structure-tensor coherence of the grey image over 7×7 windows: clean
        /// grain boundaries are smooth lines (0.55–0.9), fields of short needles are not (0.26–0.47).
        public var grayCoherence: Double = 1
        /// Resultant length of the regions' doubled long-axis angles, area-weighted: 0…1.
        public var alignment: Double
        public var regions: Int
        public var isLath: Bool
        /// aspect − 1.5 · texture coherence: high for long regions or needle texture.
        public var score: Double { aspect - 1.5 * grayCoherence }

        public var json: JSONObject {
            ["texture_coherence": .number((grayCoherence * 1000).rounded() / 1000),
             "needle_score": .number((score * 100).rounded() / 100), "region_aspect": .number((aspect * 100).rounded() / 100), "region_alignment": .number((alignment * 100).rounded() / 100),
             "regions": .int(regions), "lath_like": .bool(isLath)]
        }
    }

    /// Fewer whole regions than this say nothing about a structure's shape.
    static let minRegions = 10

    /// Regions smaller than this (px²) are too few pixels for a shape.
    static let minArea = 20

    /// Assesses the regions of `map` that do not touch its edge.
    /// Largest side of the central square whose grey texture is looked at: plenty for a
    /// statistic, and the tensor's planes (12 bytes a pixel) stay at 48 MiB.
    public static let maxTextureSide = 2048

    /// Assesses the regions of `map` that do not touch its edge, and the grey texture `gray`
    /// (row-major, the map's size) when given.
    public func assess(_ map: BoundaryMap, gray: [Float]? = nil) -> Assessment {
        var a = assessShape(map)
        if let gray, map.width > 2, map.height > 2 {
            let w = min(map.width, Self.maxTextureSide), h = min(map.height, Self.maxTextureSide)
            let x0 = (map.width - w) / 2, y0 = (map.height - h) / 2
            var crop = gray
            if w < map.width || h < map.height {
                crop = []
                crop.reserveCapacity(w * h)
                for y in y0..<(y0 + h) { crop += gray[(y * map.width + x0)..<(y * map.width + x0 + w)] }
            }
            a.grayCoherence = StructureTensor(gray: crop, width: w, height: h, radius: Self.textureRadius).meanCoherence
            // A blank or nearly empty field is no structure at all: the grain-size count says so.
            a.isLath = a.regions >= Self.minRegions && a.alignment < alignmentLimit && a.score > scoreLimit
        }
        return a
    }

    /// Window half-width of the texture coherence, px: a few lath widths.
    static let textureRadius = 3

    func assessShape(_ map: BoundaryMap) -> Assessment {
        let grains = GrainLabels(map)
        let n = grains.count + 1
        let w = map.width, h = map.height
        var sx = [Double](repeating: 0, count: n), sy = sx, sxx = sx, syy = sx, sxy = sx
        var edge = [Bool](repeating: false, count: n)
        for y in 0..<h {
            for x in 0..<w {
                let l = Int(grains.labels[y * w + x])
                guard l != 0 else { continue }
                if x == 0 || y == 0 || x == w - 1 || y == h - 1 { edge[l] = true }
                let fx = Double(x), fy = Double(y)
                sx[l] += fx; sy[l] += fy; sxx[l] += fx * fx; syy[l] += fy * fy; sxy[l] += fx * fy
            }
        }
        var weight = 0.0, aspectSum = 0.0, c2 = 0.0, s2 = 0.0, regions = 0
        for l in 1..<n where !edge[l] && grains.areas[l] >= Self.minArea {
            let a = Double(grains.areas[l])
            let mx = sx[l] / a, my = sy[l] / a
            let cxx = sxx[l] / a - mx * mx + 1.0 / 12, cyy = syy[l] / a - my * my + 1.0 / 12, cxy = sxy[l] / a - mx * my
            let root = ((cxx - cyy) * (cxx - cyy) + 4 * cxy * cxy).squareRoot()
            let l1 = (cxx + cyy + root) / 2, l2 = max(1e-9, (cxx + cyy - root) / 2)
            let aspect = (l1 / l2).squareRoot()
            aspectSum += a * aspect
            weight += a
            // Long axis at ½·atan2(2cxy, cxx − cyy); doubled so that θ and θ + π agree.
            let theta2 = atan2(2 * cxy, cxx - cyy)
            let elongation = 1 - 1 / aspect
            c2 += a * elongation * cos(theta2); s2 += a * elongation * sin(theta2)
            regions += 1
        }
        guard weight > 0 else { return Assessment(aspect: 1, alignment: 0, regions: 0, isLath: false) }
        let aspect = aspectSum / weight
        let alignment = (c2 * c2 + s2 * s2).squareRoot() / max(1e-9, weight * (1 - 1 / max(aspect, 1.0001)))
        let clipped = min(1, alignment)
        return Assessment(aspect: aspect, alignment: clipped, regions: regions,
                          isLath: aspect > aspectLimit && clipped < alignmentLimit)
    }

    /// The refusal a lath/needle structure gets unless packet size was asked for.
    public static func refusal(_ why: String) -> ReticleError {
        ReticleError(.usage, "no grain size: \(why). On martensite and bainite the boundaries that etch are lath, block and"
            + " packet boundaries, so a G would describe those, not the prior-austenite grains (they need a PAG etch, e.g."
            + " picric acid, or a reconstruction from EBSD). --lath-size measures the packet size instead, labelled as such")
    }
}
