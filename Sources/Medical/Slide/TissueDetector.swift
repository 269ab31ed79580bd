// Tissue against glass at low resolution: Otsu on HSV saturation (stained tissue is coloured,
// glass is not), pen marks and black scanner borders excluded by colour, then a closing, small
// objects removed and holes filled by area in µm², so the presets mean the same at any scan
// resolution.

import Foundation
import Shared

public struct TissueDetector: Sendable {
    public enum Preset: String, Codable, Sendable, CaseIterable {
        /// Needle and punch biopsies: thin fragments, kept down to about 70 µm across.
        case biopsy
        /// Resections: large pieces; crumbs and debris below about 220 µm across dropped.
        case resection
    }

    /// µm/px the mask is computed at (coarser on resections: the pieces are large).
    public var maskUmPerPixel: Double
    /// The longest side of the mask, in pixels.
    public static let maxMaskSide = 4096
    /// Objects smaller than this are dropped (µm²).
    public var minObjectAreaUm2: Double
    /// Holes smaller than this are filled (µm²).
    public var maxHoleAreaUm2: Double
    /// Closing radius joining nearby tissue (µm).
    public var closingRadiusUm: Double
    /// Saturation below which nothing is tissue, whatever Otsu says (a blank slide has no tissue).
    public var minimumSaturation: Float = 0.07

    public init(preset: Preset) {
        switch preset {
        case .biopsy:
            maskUmPerPixel = 4; minObjectAreaUm2 = 5_000; maxHoleAreaUm2 = 2_000; closingRadiusUm = 8
        case .resection:
            maskUmPerPixel = 8; minObjectAreaUm2 = 50_000; maxHoleAreaUm2 = 20_000; closingRadiusUm = 16
        }
    }

    /// Reads a low-resolution copy of `slide` (strip by strip, never the full level) and finds
    /// its tissue.
    public func detect(_ slide: Slide) throws -> TissueMask {
        // At most `maxMaskSide` pixels a side: detection holds several full-size arrays of the
        // mask, so on very large slides (50k px and up) the mask is coarser rather than larger.
        let thumbnail = try Self.overview(slide, umPerPixel: maskUmPerPixel, maxSide: Self.maxMaskSide)
        var mask = detect(thumbnail.image, downsample: thumbnail.downsample, umPerPixel: thumbnail.umPerPixel)
        mask.source = thumbnail.source
        return mask
    }

    /// Tissue in an RGB uint8 `image` whose pixels are `downsample` level-0 pixels, `umPerPixel` µm, wide.
    public func detect(_ image: Image, downsample: Double, umPerPixel: Double) -> TissueMask {
        guard case .uint8(let px) = image.storage, image.channels == 3 else {
            preconditionFailure("tissue detection takes RGB uint8")
        }
        let n = image.width * image.height
        var saturation = [Float](repeating: 0, count: n)
        var pen = BinaryMask(width: image.width, height: image.height)
        var dark = BinaryMask(width: image.width, height: image.height)
        for i in 0..<n {
            let r = px[3 * i], g = px[3 * i + 1], b = px[3 * i + 2]
            let (s, v) = ColorSpace.saturationValue(r, g, b)
            saturation[i] = s
            pen.bits[i] = Self.isPen(r, g, b)
            dark.bits[i] = v < 0.12
        }
        // Otsu over a histogram of the candidates, not a copy of them: a 50k-pixel slide's mask
        // has 39 million pixels.
        var histogram = [Double](repeating: 0, count: 256), candidates = 0
        for i in 0..<n where !pen.bits[i] && !dark.bits[i] {
            histogram[Int(max(0, min(255, (saturation[i] * 255).rounded())))] += 1
            candidates += 1
        }
        let otsu = candidates == 0 ? 1 : Float(Otsu.threshold(histogram: histogram)) / 255
        let threshold = max(otsu, minimumSaturation)
        // Pen ink bleeds a pixel or two beyond what the colour test catches.
        let excluded = Morphology.dilate(BinaryMask(width: image.width, height: image.height,
                                                    bits: zip(pen.bits, dark.bits).map { $0 || $1 }), radius: 2)
        var mask = BinaryMask(width: image.width, height: image.height,
                              bits: (0..<n).map { saturation[$0] > threshold && !excluded.bits[$0] })
        let areaPx = umPerPixel * umPerPixel
        mask = Morphology.close(mask, radius: max(1, Int((closingRadiusUm / umPerPixel).rounded())))
        mask = Morphology.open(mask, radius: 1)
        mask = ConnectedComponents.removingSmallObjects(mask, minArea: Int((minObjectAreaUm2 / areaPx).rounded(.up)))
        mask = ConnectedComponents.fillingHoles(mask, maxArea: Int((maxHoleAreaUm2 / areaPx).rounded(.up)))
        mask = mask & excluded.inverted
        return TissueMask(mask: mask, thumbnail: image, downsample: downsample, umPerPixel: umPerPixel,
                          saturationThreshold: threshold, penPixels: pen.count)
    }

    /// Marker ink (green, blue, black) rather than eosin/haematoxylin: H&E always has green as
    /// its lowest channel, well below red (haematoxylin is violet: blue over red over green);
    /// green ink is green-dominant, blue ink has green at or above red, black is near black.
    static func isPen(_ r: UInt8, _ g: UInt8, _ b: UInt8) -> Bool {
        let R = Int(r), G = Int(g), B = Int(b)
        if G > R + 20 && G > B - 10 { return true }            // green
        if B > R + 40 && G > R - 10 { return true }            // blue
        return R < 50 && G < 50 && B < 50                      // black
    }

    /// The slide at about `umPerPixel` (never finer than its coarsest level allows): the level
    /// just finer than the target, read in strips of rows and area-averaged by a whole factor,
    /// raised until the overview is at most `maxSide` pixels a side. When that level is four or
    /// more times finer than the target (a slide without a pyramid, like most small scans), the
    /// scanner's stored thumbnail is used instead if it is a faithful copy (Aperio's, the level-0
    /// aspect within 1 %) at least as fine as the target: reading CMU-1-Small-Region's whole level 0
    /// through OpenSlide took 0.35 s of a 1.9 s slide, its 574 × 768 thumbnail a few ms.
    /// `source` says which it was ("level N" or "thumbnail").
    public static func overview(_ slide: Slide, umPerPixel target: Double, maxSide: Int = .max) throws
        -> (image: Image, downsample: Double, umPerPixel: Double, source: String) {
        let level = slide.bestLevel(forUmPerPixel: target)
        let l = slide.levels[level]
        var factor = max(1, Int((target / slide.umPerPixel(level: level)).rounded(.down)))
        while max(l.width, l.height) / factor > maxSide { factor += 1 }
        if factor >= 4, let t = try thumbnailOverview(slide, umPerPixel: target, maxSide: maxSide, levelDownsample: l.downsample) {
            return t
        }
        let outW = max(1, l.width / factor), outH = max(1, l.height / factor)
        guard outW.multipliedReportingOverflow(by: outH).partialValue <= 1 << 26 else {
            throw ReticleError(.unsupported, file: slide.path, "overview of \(outW) × \(outH) pixels is too large for tissue detection")
        }
        var rgb = [UInt8](repeating: 255, count: outW * outH * 3)
        let stripRows = max(1, 256 / factor)
        var row = 0
        while row < outH {
            let rows = min(stripRows, outH - row)
            let y0 = Int((Double(row * factor) * l.downsample).rounded())
            let strip = try slide.readRegion(x: 0, y: y0, level: level, width: outW * factor, height: rows * factor)
            let small = factor == 1 ? strip : try Resampler.resample(strip, width: outW, height: rows)
            guard case .uint8(let s) = small.storage else { preconditionFailure("slides read as uint8") }
            rgb.replaceSubrange((row * outW * 3)..<((row + rows) * outW * 3), with: s)
            row += rows
        }
        let downsample = l.downsample * Double(factor)
        return (Image(width: outW, height: outH, channels: 3, storage: .uint8(rgb)), downsample,
                slide.scale.umPerPixel * downsample, "level \(level)")
    }

    /// The stored thumbnail, area-averaged by a whole factor towards `target`, when it qualifies
    /// (see `overview`); nil otherwise.
    static func thumbnailOverview(_ slide: Slide, umPerPixel target: Double, maxSide: Int, levelDownsample: Double) throws
        -> (image: Image, downsample: Double, umPerPixel: Double, source: String)? {
        // Aperio's thumbnail is the scanned area downscaled; other vendors' can show the whole glass, label included.
        guard slide.vendor == "aperio" else { return nil }
        let thumb: Image
        do {
            guard let t = try slide.thumbnail() else { return nil }
            thumb = t
        } catch {
            // A damaged thumbnail is no reason to fail a slide whose pyramid reads: the level is read instead.
            try slide.recover()
            return nil
        }
        let dx = Double(slide.width) / Double(thumb.width), dy = Double(slide.height) / Double(thumb.height)
        let ds = (dx + dy) / 2
        guard abs(dx / dy - 1) < 0.01, ds >= 2 * levelDownsample, slide.scale.umPerPixel * ds <= target * (1 + 1e-6) else { return nil }
        var factor = max(1, Int((target / (slide.scale.umPerPixel * ds)).rounded(.down)))
        while max(thumb.width, thumb.height) / factor > maxSide { factor += 1 }
        let downsample = ds * Double(factor)
        let outW = max(1, Int((Double(slide.width) / downsample).rounded())), outH = max(1, Int((Double(slide.height) / downsample).rounded()))
        let image = factor == 1 && outW == thumb.width && outH == thumb.height ? thumb : try Resampler.resample(thumb, width: outW, height: outH)
        return (image, downsample, slide.scale.umPerPixel * downsample, "thumbnail")
    }
}
