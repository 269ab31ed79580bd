// Bringing an image to a model's physical scale: area averaging when shrinking (each
// output pixel is the exact mean of the source area it covers), bilinear when enlarging.
// Separable: rows first, then columns, in Float32.
//
// Integer images stay integer (rounded, clamped) unless `sampleType` asks otherwise;
// ask for .float32 when the result feeds an analysis and rounding matters.

import Foundation

public enum Resampler {
    /// Resamples to `target` µm/px on both axes; the new calibration is the exact pixel size
    /// after rounding the output to whole pixels, same source, detail noting the old scale.
    /// The target size is computed in Double and checked before anything is allocated.
    /// - Throws: `ReticleError(.calibration)` when the image has no calibration, when either
    ///   scale is outside `ScaleLimits.micronsPerPixel`, or when the result would hold more than
    ///   `ScaleLimits.maxResampledSamples`.
    public static func resample(_ image: Image, toMicronsPerPixel target: Double,
                                sampleType: SampleType? = nil) throws -> Image {
        try ScaleLimits.check(umPerPixel: target, "the target pixel size")
        guard let c = image.calibration, c.isValid else {
            throw ReticleError(.calibration,
                               "the image has no calibration, so it cannot be resampled to \(Calibration.format(target)) µm/px; give the pixel size (--um-per-px or the protocol)")
        }
        let from = c.isSquare ? Calibration.format(c.umPerPixelX)
            : "\(Calibration.format(c.umPerPixelX))×\(Calibration.format(c.umPerPixelY))"
        try ScaleLimits.check(umPerPixel: c.umPerPixelX, "the image's pixel size")
        try ScaleLimits.check(umPerPixel: c.umPerPixelY, "the image's pixel size")
        let w = (Double(image.width) * c.umPerPixelX / target).rounded()
        let h = (Double(image.height) * c.umPerPixelY / target).rounded()
        try ScaleLimits.checkResampledSize(
            width: w, height: h, channels: image.channels,
            context: "\(image.width)×\(image.height) px at \(from) µm/px resampled to \(Calibration.format(target)) µm/px")
        return try resample(image, width: max(1, Int(w)), height: max(1, Int(h)), sampleType: sampleType)
    }

    /// Resamples to an explicit size (shapes: H×W×C → height×width×C); a calibration, if any,
    /// is scaled to match.
    /// - Throws: `ReticleError(.usage)` for an empty size; `ReticleError(.calibration)` when the
    ///   result (or the row pass, when larger than the source) would exceed `ScaleLimits.maxResampledSamples`.
    public static func resample(_ image: Image, width: Int, height: Int, sampleType: SampleType? = nil) throws -> Image {
        guard width >= 1, height >= 1, image.width >= 1, image.height >= 1 else {
            throw ReticleError(.usage, "cannot resample \(image.width)×\(image.height) to \(width)×\(height)")
        }
        // The row pass holds source height × output width; shrinking never needs more than the source already holds.
        let context = "\(image.width)×\(image.height) px resampled to \(width)×\(height) px"
        try ScaleLimits.checkResampledSize(width: Double(width), height: Double(height), channels: image.channels,
                                           context: context)
        let rowPass = Double(image.height) * Double(width) * Double(image.channels)
        if rowPass > Double(max(ScaleLimits.maxResampledSamples, image.storage.count)) {
            try ScaleLimits.checkResampledSize(width: Double(width), height: Double(image.height),
                                               channels: image.channels, context: context + " (row pass)")
        }
        let type = sampleType ?? image.sampleType
        let calibration = image.calibration.map {
            $0.resampled(umPerPixelX: $0.umPerPixelX * Double(image.width) / Double(width),
                         umPerPixelY: $0.umPerPixelY * Double(image.height) / Double(height))
        }
        if width == image.width && height == image.height {
            var same = image.converted(to: type)
            same.calibration = image.calibration
            return same
        }
        let ch = image.channels
        let src = image.floatPixels(normalized: false)
        let xs = weights(from: image.width, to: width)
        let ys = weights(from: image.height, to: height)

        let rowLength = width * ch
        var rows = [Float](repeating: 0, count: image.height * rowLength)
        var out = [Float](repeating: 0, count: height * rowLength)
        src.withUnsafeBufferPointer { src in
            rows.withUnsafeMutableBufferPointer { rows in
                for y in 0..<image.height {
                    let inRow = y * image.width * ch, outRow = y * rowLength
                    for (x, w) in xs.enumerated() {
                        for (k, wk) in w.weights.enumerated() {
                            let s = inRow + (w.first + k) * ch, d = outRow + x * ch
                            for c in 0..<ch { rows[d + c] += wk * src[s + c] }
                        }
                    }
                }
            }
        }
        rows.withUnsafeBufferPointer { rows in
            out.withUnsafeMutableBufferPointer { out in
                for (y, w) in ys.enumerated() {
                    let outRow = y * rowLength
                    for (k, wk) in w.weights.enumerated() {
                        let inRow = (w.first + k) * rowLength
                        for i in 0..<rowLength { out[outRow + i] += wk * rows[inRow + i] }
                    }
                }
            }
        }
        return Image(width: width, height: height, channels: ch, storage: store(out, as: type, from: image.sampleType),
                     calibration: calibration)
    }

    /// For each output index along one axis: the first source index and its run of weights (summing to 1).
    static func weights(from n: Int, to m: Int) -> [(first: Int, weights: [Float])] {
        let scale = Double(n) / Double(m)
        return (0..<m).map { i in
            if m < n {
                let lo = Double(i) * scale, hi = Double(i + 1) * scale
                let first = Int(lo.rounded(.down)), last = min(n - 1, Int(hi.rounded(.up)) - 1)
                let w = (first...last).map { j in Float((min(hi, Double(j + 1)) - max(lo, Double(j))) / scale) }
                return (first, w)
            }
            // Pixel centres line up: output centre i+½ sits at source position (i+½)·n/m.
            let pos = min(max((Double(i) + 0.5) * scale - 0.5, 0), Double(n - 1))
            let j = min(Int(pos.rounded(.down)), n - 1)
            let f = Float(pos - Double(j))
            return j + 1 < n && f > 0 ? (j, [1 - f, f]) : (j, [1])
        }
    }

    /// Raw-valued floats → the requested type; integer source values keep their scale.
    private static func store(_ v: [Float], as type: SampleType, from source: SampleType) -> PixelStorage {
        switch type {
        case .float32: return .float32(v)
        case .uint8:
            let s: Float = source == .uint16 ? 255.0 / 65535 : source == .float32 ? 255 : 1
            return .uint8(v.map { UInt8(max(0, min(255, ($0 * s).rounded()))) })
        case .uint16:
            let s: Float = source == .uint8 ? 65535.0 / 255 : source == .float32 ? 65535 : 1
            return .uint16(v.map { UInt16(max(0, min(65535, ($0 * s).rounded()))) })
        }
    }
}
