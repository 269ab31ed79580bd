// Activation layers (ReLU, ReLU6, LeakyReLU, GELU, SiLU, Sigmoid, Tanh, Softmax) as one
// Codable enum, so a model spec can name them.

/// A parameter-free pointwise activation. Shapes: any → same (softmax: over the last axis).
public enum Activation: Codable, Equatable, Sendable, Layer {
    case relu, relu6, gelu, silu, sigmoid, tanh, softmax, identity
    case leakyRelu(slope: Float)

    public func forward(_ x: Variable, _ ctx: ForwardContext) -> Variable {
        switch self {
        case .relu: return x.relu()
        case .relu6: return x.relu6()
        case .gelu: return x.gelu()
        case .silu: return x.silu()
        case .sigmoid: return x.sigmoid()
        case .tanh: return x.tanh()
        case .softmax: return x.softmax()
        case .identity: return x
        case .leakyRelu(let slope): return x.leakyRelu(slope: slope)
        }
    }

    public var namedParameters: [(name: String, parameter: Parameter)] { [] }
    public func foldedForInference() -> any Layer { self }

    /// The same activation as a convolution epilogue, when the kernels support it.
    public var fused: FusedActivation? {
        switch self {
        case .relu: return .relu
        case .relu6: return .relu6
        case .identity: return FusedActivation.none
        default: return nil
        }
    }
}
