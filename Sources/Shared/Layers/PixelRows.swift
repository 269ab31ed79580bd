// Turns a feature map into one row per pixel, so a graph's linear head classifies every pixel of a
// fully convolutional network (a patch-free land-cover model, a segmentation decoder).

/// Every pixel of a feature map as a row, so a linear head classifies each pixel (a 1×1 convolution).
/// Shapes: [N, C, H, W] → [N·H·W, C], rows in (n, y, x) order.
public struct PixelRows: Layer {
    public init() {}

    public func forward(_ x: Variable, _ ctx: ForwardContext) -> Variable {
        precondition(x.value.rank == 4, "pixel rows need [N, C, H, W], got \(x.shape)")
        let (n, c, plane) = (x.shape[0], x.shape[1], x.shape[2] * x.shape[3])
        let out = x.value.withUnsafePointer { src in
            Tensor(shape: [n * plane, c], zeroedThen: { dst in
                for i in 0..<n { for k in 0..<c { for q in 0..<plane { dst[(i * plane + q) * c + k] = src[(i * c + k) * plane + q] } } }
            })
        }
        let shape = x.shape
        return Variable.record(out, inputs: [x]) { g, _ in
            let dx = g.withUnsafePointer { gp in
                Tensor(shape: shape, zeroedThen: { dst in
                    for i in 0..<n { for k in 0..<c { for q in 0..<plane { dst[(i * c + k) * plane + q] = gp[(i * plane + q) * c + k] } } }
                })
            }
            return [dx]
        }
    }

    public var namedParameters: [(name: String, parameter: Parameter)] { [] }
    public func foldedForInference() -> any Layer { self }
}
