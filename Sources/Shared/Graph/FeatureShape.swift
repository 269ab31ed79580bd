// What building a graph needs to know of a layer's output: its rank, its channel (or
// feature) count, and its spatial size once a layer fixes it (an adaptive pool), so a
// following flatten knows its length. Batch and free spatial sizes stay open.

public struct FeatureShape: Equatable, Sendable {
    /// 4 for [N, C, H, W], 2 for [N, F].
    public var rank: Int
    /// C for rank 4, F for rank 2.
    public var channels: Int
    /// [H, W] when fixed by the layer that produced it, nil when it follows the input's size.
    public var spatial: [Int]?

    public static func image(_ channels: Int, spatial: [Int]? = nil) -> FeatureShape { FeatureShape(rank: 4, channels: channels, spatial: spatial) }
    public static func vector(_ features: Int) -> FeatureShape { FeatureShape(rank: 2, channels: features, spatial: nil) }

    public init(rank: Int, channels: Int, spatial: [Int]?) {
        self.rank = rank; self.channels = channels; self.spatial = spatial
    }

    init(_ input: GraphInput) {
        self = input.kind == .image ? .image(input.channels) : .vector(input.channels)
    }
}
