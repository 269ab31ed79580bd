// A per-pixel importance map (Grad-CAM, saliency) as a small value type, so maps of
// patches can be stitched into a map of the whole image and resized for overlays.

import Foundation

/// Row-major importance values. Shapes: `values` has height × width entries.
public struct SaliencyMap: Equatable, Sendable {
    public let width: Int
    public let height: Int
    public var values: [Float]

    public init(width: Int, height: Int, values: [Float]) {
        precondition(width >= 1 && height >= 1 && values.count == width * height, "saliency map \(width)×\(height) needs \(width * height) values")
        self.width = width; self.height = height; self.values = values
    }

    public init(width: Int, height: Int, repeating value: Float = 0) {
        self.init(width: width, height: height, values: [Float](repeating: value, count: width * height))
    }

    public subscript(x: Int, y: Int) -> Float {
        get { values[y * width + x] }
        set { values[y * width + x] = newValue }
    }

    /// Scaled so the largest value is 1 (an all-zero map stays zero).
    public func normalized() -> SaliencyMap {
        let top = values.max() ?? 0
        guard top > 0 else { return self }
        return SaliencyMap(width: width, height: height, values: values.map { Swift.max(0, $0) / top })
    }

    /// Bilinear resize (PyTorch `align_corners=False`), as the CAM is upsampled to the input.
    public func resized(width w: Int, height h: Int) -> SaliencyMap {
        if w == width && h == height { return self }
        let t = Resampling.forward(Tensor(shape: [1, 1, height, width], scalars: values), outH: h, outW: w, mode: .bilinear)
        return SaliencyMap(width: w, height: h, values: t.scalars)
    }

    /// Per-pixel maps of signed input attributions (integrated gradients, input × gradient): the absolute
    /// attribution summed over channels, scaled to a maximum of 1. Shapes: [N, C, H, W] → N maps of H × W.
    public static func attributionMaps(_ attributions: Tensor) -> [SaliencyMap] {
        precondition(attributions.rank == 4, "attributions must be [N, C, H, W], got \(attributions.shape)")
        let (n, c, h, w) = (attributions.shape[0], attributions.shape[1], attributions.shape[2], attributions.shape[3])
        let v = attributions.scalars, plane = h * w
        return (0..<n).map { i in
            var m = [Float](repeating: 0, count: plane)
            for ch in 0..<c { let base = (i * c + ch) * plane; for p in 0..<plane { m[p] += Swift.abs(v[base + p]) } }
            return SaliencyMap(width: w, height: h, values: m).normalized()
        }
    }

    /// Fraction of the total mass inside the rectangle [x0, x1) × [y0, y1).
    public func massFraction(x0: Int, y0: Int, x1: Int, y1: Int) -> Double {
        var inside = 0.0, total = 0.0
        for y in 0..<height { for x in 0..<width {
            let v = Double(Swift.max(0, values[y * width + x]))
            total += v
            if x >= x0 && x < x1 && y >= y0 && y < y1 { inside += v }
        } }
        return total > 0 ? inside / total : 0
    }
}

/// Averages overlapping patch maps into one map of the whole image.
public struct SaliencyCanvas: Sendable {
    private var sum: [Float]
    private var weight: [Float]
    public let width: Int
    public let height: Int

    public init(width: Int, height: Int) {
        self.width = width; self.height = height
        sum = [Float](repeating: 0, count: width * height)
        weight = sum
    }

    /// Adds `map` with its top-left corner at (x, y); parts outside the canvas are dropped. `feathered` weights it
    /// by a tent falling from the centre to the border, so overlapping patches blend without seams.
    public mutating func add(_ map: SaliencyMap, x: Int, y: Int, scale: Float = 1, feathered: Bool = false) {
        func tent(_ i: Int, _ n: Int) -> Float {
            feathered ? Swift.max(Swift.min(Float(i) + 0.5, Float(n - i) - 0.5) / (Float(n) / 2), 0.05) : 1
        }
        for yy in 0..<map.height { for xx in 0..<map.width {
            let (cx, cy) = (x + xx, y + yy)
            guard cx >= 0, cy >= 0, cx < width, cy < height else { continue }
            let w = tent(xx, map.width) * tent(yy, map.height)
            sum[cy * width + cx] += w * scale * map[xx, yy]
            weight[cy * width + cx] += w
        } }
    }

    /// The mean of every map over each pixel (0 where none fell).
    public var map: SaliencyMap {
        SaliencyMap(width: width, height: height, values: zip(sum, weight).map { $1 > 0 ? $0 / $1 : 0 })
    }
}
