// Spatial upsampling by an integer factor or to a fixed size (nearest or bilinear, PyTorch's align_corners=False).

/// Shapes: [N, C, H, W] → [N, C, H·scale, W·scale] (or [N, C, size.0, size.1]).
public struct Upsample: Layer {
    public let scale: Int?
    public let size: (Int, Int)?
    public let mode: Resampling.Mode

    public init(scale: Int, mode: Resampling.Mode = .nearest) {
        precondition(scale >= 1, "upsample scale must be ≥ 1")
        self.scale = scale; size = nil; self.mode = mode
    }

    public init(size: (Int, Int), mode: Resampling.Mode = .bilinear) {
        scale = nil; self.size = size; self.mode = mode
    }

    public func forward(_ x: Variable, _ ctx: ForwardContext) -> Variable {
        precondition(x.value.rank == 4, "Upsample expects NCHW, got \(x.shape)")
        let (h, w) = size ?? (x.shape[2] * scale!, x.shape[3] * scale!)
        return x.upsample(toHeight: h, width: w, mode: mode)
    }

    public var namedParameters: [(name: String, parameter: Parameter)] { [] }
    public func foldedForInference() -> any Layer { self }
}
