// Where the tissue is, at the overview's resolution, with the overview itself (the thumbnail
// heatmaps are drawn over) and the figures a result reports.

import Foundation
import Shared

public struct TissueMask: Sendable {
    public let mask: BinaryMask
    /// The RGB overview the mask was computed on.
    public let thumbnail: Image
    /// Level-0 pixels per mask pixel.
    public let downsample: Double
    /// µm per mask pixel.
    public let umPerPixel: Double
    public let saturationThreshold: Float
    public let penPixels: Int
    /// What the overview was read from: "level N" of the pyramid, or the slide's stored "thumbnail";
    /// empty for a mask computed on an image given directly.
    public var source = ""

    /// Tissue area in mm².
    public var areaMm2: Double { Double(mask.count) * umPerPixel * umPerPixel / 1e6 }

    /// The tissue fraction of a level-0 rectangle.
    public func fraction(x: Int, y: Int, width: Int, height: Int) -> Double {
        let x0 = Int((Double(x) / downsample).rounded(.down)), y0 = Int((Double(y) / downsample).rounded(.down))
        let x1 = Int((Double(x + width) / downsample).rounded(.up)), y1 = Int((Double(y + height) / downsample).rounded(.up))
        return mask.fraction(x: x0, y: y0, width: max(1, x1 - x0), height: max(1, y1 - y0))
    }

    /// The mask over the thumbnail: tissue kept, the rest dimmed, for a quick visual check.
    public var overlay: Image {
        guard case .uint8(var px) = thumbnail.storage else { return mask.image }
        for i in 0..<mask.bits.count where !mask.bits[i] {
            for c in 0..<3 { px[3 * i + c] = UInt8(Int(px[3 * i + c]) / 3) }
        }
        return Image(width: thumbnail.width, height: thumbnail.height, channels: 3, storage: .uint8(px))
    }
}
