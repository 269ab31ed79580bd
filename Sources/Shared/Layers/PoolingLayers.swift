// Pooling layers: windowed max/average, adaptive, global average, and spatial
// pyramid pooling (SPP-net), wrapping the differentiable ops in Autodiff/SpatialOps.

/// Shapes: [N, C, H, W] → [N, C, H_out, W_out].
public struct MaxPool2d: Layer {
    public let kernelSize, stride, padding: Int
    public init(kernelSize: Int, stride: Int? = nil, padding: Int = 0) {
        self.kernelSize = kernelSize; self.stride = stride ?? kernelSize; self.padding = padding
    }
    public func forward(_ x: Variable, _ ctx: ForwardContext) -> Variable {
        x.maxPool2d(kernel: (kernelSize, kernelSize), stride: (stride, stride), padding: (padding, padding))
    }
    public var namedParameters: [(name: String, parameter: Parameter)] { [] }
    public func foldedForInference() -> any Layer { self }
}

/// Shapes: [N, C, H, W] → [N, C, H_out, W_out].
public struct AvgPool2d: Layer {
    public let kernelSize, stride, padding: Int
    public init(kernelSize: Int, stride: Int? = nil, padding: Int = 0) {
        self.kernelSize = kernelSize; self.stride = stride ?? kernelSize; self.padding = padding
    }
    public func forward(_ x: Variable, _ ctx: ForwardContext) -> Variable {
        x.avgPool2d(kernel: (kernelSize, kernelSize), stride: (stride, stride), padding: (padding, padding))
    }
    public var namedParameters: [(name: String, parameter: Parameter)] { [] }
    public func foldedForInference() -> any Layer { self }
}

/// Shapes: [N, C, H, W] → [N, C, outH, outW], any input size.
public struct AdaptivePool2d: Layer {
    public enum Kind: String, Codable, Sendable { case average, max }
    public let kind: Kind
    public let outH, outW: Int
    public init(_ kind: Kind, outH: Int, outW: Int) { self.kind = kind; self.outH = outH; self.outW = outW }
    public func forward(_ x: Variable, _ ctx: ForwardContext) -> Variable {
        kind == .average ? x.adaptiveAvgPool2d(outH, outW) : x.adaptiveMaxPool2d(outH, outW)
    }
    public var namedParameters: [(name: String, parameter: Parameter)] { [] }
    public func foldedForInference() -> any Layer { self }
}

/// Global average pooling, flattened. Shapes: [N, C, H, W] → [N, C].
public struct GlobalAvgPool: Layer {
    public init() {}
    public func forward(_ x: Variable, _ ctx: ForwardContext) -> Variable { x.globalAvgPool() }
    public var namedParameters: [(name: String, parameter: Parameter)] { [] }
    public func foldedForInference() -> any Layer { self }
}

/// Spatial pyramid pooling (He et al., 2014): a fixed-length vector from any input size.
/// Shapes: [N, C, H, W] → [N, C·Σ l²] for levels l.
public struct SpatialPyramidPool: Layer {
    public let levels: [Int]
    public init(levels: [Int] = [1, 2, 4]) {
        precondition(!levels.isEmpty && levels.allSatisfy { $0 >= 1 }, "SPP levels must be positive")
        self.levels = levels
    }
    public func outputFeatures(channels: Int) -> Int { channels * levels.reduce(0) { $0 + $1 * $1 } }
    public func forward(_ x: Variable, _ ctx: ForwardContext) -> Variable { x.spatialPyramidPool(levels: levels) }
    public var namedParameters: [(name: String, parameter: Parameter)] { [] }
    public func foldedForInference() -> any Layer { self }
}
