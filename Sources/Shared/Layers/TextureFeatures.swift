// Classical texture descriptors as a fixed (parameter-free) layer, so that a texture
// baseline is a model graph like any other: trained by the Trainer, saved by ModelFile,
// run by the Predictor. Two families, both standard in microstructure classification:
// rotation-invariant uniform local binary patterns (Ojala, Pietikäinen and Mäenpää, PAMI
// 2002: P = 8 neighbours on a circle of radius R, bilinear sampling, P + 2 bins) and
// grey-level co-occurrence statistics (Haralick, Shanmugam and Dinstein, 1973: contrast,
// homogeneity, energy, correlation, entropy; symmetric, averaged over 0°, 45°, 90°, 135°).

import Foundation

/// Shapes: [N, C, H, W] → [N, radii.count × 10 + distances.count × 5] (channels averaged to grey first).
/// Gradients do not flow into the input: the descriptors are counts, piecewise constant in it.
public struct TextureFeatures: Layer {
    /// LBP circle radii in pixels.
    public let radii: [Int]
    /// GLCM pixel offsets.
    public let distances: [Int]
    /// Grey levels of the co-occurrence matrix; inputs are quantised over `range`.
    public let levels: Int
    /// Input values mapped onto the `levels` bins (outside: clamped). Patches standardised to zero mean and unit
    /// deviation suit the default ±2.5.
    public let range: ClosedRange<Float>

    public static let lbpBins = 10, glcmStatistics = 5

    public init(radii: [Int] = [1, 2, 3], distances: [Int] = [1, 2, 4], levels: Int = 8, range: ClosedRange<Float> = -2.5...2.5) {
        self.radii = radii; self.distances = distances; self.levels = levels; self.range = range
    }

    public var featureCount: Int { radii.count * Self.lbpBins + distances.count * Self.glcmStatistics }

    /// Feature names in output order ("lbp_r1_0" … "glcm_d4_entropy"), for reports.
    public var featureNames: [String] {
        radii.flatMap { r in (0..<Self.lbpBins).map { "lbp_r\(r)_\($0 == Self.lbpBins - 1 ? "other" : String($0))" } }
            + distances.flatMap { d in ["contrast", "homogeneity", "asm", "correlation", "entropy"].map { "glcm_d\(d)_\($0)" } }
    }

    public func forward(_ x: Variable, _ ctx: ForwardContext) -> Variable {
        let t = x.value
        precondition(t.rank == 4, "texture features need [N, C, H, W], got \(t.shape)")
        let (n, c, h, w) = (t.shape[0], t.shape[1], t.shape[2], t.shape[3])
        let f = featureCount
        var out = [Float](repeating: 0, count: n * f)
        let plane = h * w
        let scalars = t.scalars
        for i in 0..<n {
            var grey = [Float](repeating: 0, count: plane)
            for ch in 0..<c { for p in 0..<plane { grey[p] += scalars[(i * c + ch) * plane + p] } }
            if c > 1 { for p in 0..<plane { grey[p] /= Float(c) } }
            let row = describe(grey, height: h, width: w)
            for j in 0..<f { out[i * f + j] = row[j] }
        }
        return Variable(Tensor(shape: [n, f], scalars: out))
    }

    /// The descriptor of one grey image (row-major, `height` × `width`).
    public func describe(_ grey: [Float], height h: Int, width w: Int) -> [Float] {
        var row: [Float] = []
        row.reserveCapacity(featureCount)
        for r in radii { row += Self.uniformLBPHistogram(grey, height: h, width: w, radius: r) }
        let q = quantised(grey)
        for d in distances { row += Self.cooccurrenceStatistics(q, height: h, width: w, distance: d, levels: levels) }
        return row
    }

    func quantised(_ grey: [Float]) -> [Int] {
        let span = range.upperBound - range.lowerBound
        return grey.map { v in
            let k = Int(((v - range.lowerBound) / span * Float(levels)).rounded(.down))
            return Swift.min(Swift.max(k, 0), levels - 1)
        }
    }

    /// Normalised histogram of rotation-invariant uniform patterns: bins 0…8 count the neighbours at least as bright
    /// as the centre for patterns with at most two 0/1 transitions; bin 9 holds the rest. Pixels closer than
    /// `radius` + 1 to the border are skipped; an image with none gives all zeros.
    public static func uniformLBPHistogram(_ g: [Float], height h: Int, width w: Int, radius: Int) -> [Float] {
        var hist = [Float](repeating: 0, count: lbpBins)
        let r = Float(radius)
        let offsets: [(dy: Float, dx: Float)] = (0..<8).map { k in
            let a = Float(k) * Float.pi / 4
            return (-r * sin(a), r * cos(a))
        }
        let margin = radius + 1
        guard h > 2 * margin, w > 2 * margin else { return hist }
        var total: Float = 0
        g.withUnsafeBufferPointer { p in
            for y in margin..<(h - margin) {
                for x in margin..<(w - margin) {
                    let centre = p[y * w + x]
                    var bits = [Bool](repeating: false, count: 8)
                    for (k, o) in offsets.enumerated() {
                        let fy = Float(y) + o.dy, fx = Float(x) + o.dx
                        let y0 = Int(fy.rounded(.down)), x0 = Int(fx.rounded(.down))
                        let ty = fy - Float(y0), tx = fx - Float(x0)
                        // Offsets on the axes are whole pixels; rounding noise must not blend in a neighbour.
                        let sy = ty < 1e-4 ? 0 : ty, sx = tx < 1e-4 ? 0 : tx
                        let y1 = Swift.min(y0 + 1, h - 1), x1 = Swift.min(x0 + 1, w - 1)
                        let v = (1 - sy) * ((1 - sx) * p[y0 * w + x0] + sx * p[y0 * w + x1])
                            + sy * ((1 - sx) * p[y1 * w + x0] + sx * p[y1 * w + x1])
                        bits[k] = v >= centre
                    }
                    var transitions = 0, ones = 0
                    for k in 0..<8 {
                        if bits[k] != bits[(k + 1) % 8] { transitions += 1 }
                        if bits[k] { ones += 1 }
                    }
                    hist[transitions <= 2 ? ones : 9] += 1
                    total += 1
                }
            }
        }
        return hist.map { $0 / total }
    }

    /// Contrast, homogeneity, angular second moment (Σp²), correlation and entropy of the symmetric, normalised co-occurrence matrix at
    /// `distance`, averaged over the four directions. A constant image has correlation 0 (not NaN).
    public static func cooccurrenceStatistics(_ q: [Int], height h: Int, width w: Int, distance d: Int, levels: Int) -> [Float] {
        var sums = [Double](repeating: 0, count: glcmStatistics)
        var directions = 0.0
        for (dy, dx) in [(0, d), (-d, d), (-d, 0), (-d, -d)] {
            var m = [Double](repeating: 0, count: levels * levels)
            var pairs = 0.0
            for y in Swift.max(0, -dy)..<Swift.min(h, h - dy) {
                for x in Swift.max(0, -dx)..<Swift.min(w, w - dx) {
                    let a = q[y * w + x], b = q[(y + dy) * w + x + dx]
                    m[a * levels + b] += 1; m[b * levels + a] += 1
                    pairs += 2
                }
            }
            guard pairs > 0 else { continue }
            directions += 1
            var mean = 0.0
            for i in 0..<levels { for j in 0..<levels { m[i * levels + j] /= pairs; mean += Double(i) * m[i * levels + j] } }
            var variance = 0.0
            for i in 0..<levels { for j in 0..<levels { variance += (Double(i) - mean) * (Double(i) - mean) * m[i * levels + j] } }
            var contrast = 0.0, homogeneity = 0.0, energy = 0.0, covariance = 0.0, entropy = 0.0
            for i in 0..<levels {
                for j in 0..<levels {
                    let p = m[i * levels + j]
                    guard p > 0 else { continue }
                    let diff = Double(i - j)
                    contrast += diff * diff * p
                    homogeneity += p / (1 + diff * diff)
                    energy += p * p
                    covariance += (Double(i) - mean) * (Double(j) - mean) * p
                    entropy -= p * Foundation.log(p)
                }
            }
            let correlation = variance > 1e-12 ? covariance / variance : 0
            for (k, v) in [contrast, homogeneity, energy, correlation, entropy].enumerated() { sums[k] += v }
        }
        return sums.map { Float(directions > 0 ? $0 / directions : 0) }
    }

    public var namedParameters: [(name: String, parameter: Parameter)] { [] }
    public func foldedForInference() -> any Layer { self }
}

extension TextureFeatures {
    /// The "texture_features" layer kind: attributes radii (1…32), distances (1…64), levels (2…64).
    static func factory(_ node: LayerNode, _ inputs: [FeatureShape], _ ctx: LayerBuildContext) throws -> BuiltLayer {
        guard inputs.count == 1, inputs[0].rank == 4 else { throw node.invalid("needs one image-like input [N, C, H, W]") }
        let radii = try (node.numbers("radii", maxCount: 8, in: 1...32) ?? [1, 2, 3]).map { Int($0) }
        let distances = try (node.numbers("distances", maxCount: 8, in: 1...64) ?? [1, 2, 4]).map { Int($0) }
        guard !radii.isEmpty || !distances.isEmpty else { throw node.invalid("needs at least one radius or distance") }
        let layer = TextureFeatures(radii: radii, distances: distances, levels: try node.int("levels", 8, in: 2...64))
        return BuiltLayer(layer, .vector(layer.featureCount))
    }
}
