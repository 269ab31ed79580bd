// A selective state-space scan as a graph layer (Mamba's S6 over the positions of a feature map,
// in several scan orders). Its step sizes and input/output projections are inputs, not computed
// inside, so a graph decides where they come from: the same features (a plain selective scan) or
// another modality's (CSFMamba's cross-state exchange).

import Foundation

/// Inputs, in order: x [N, D, H, W], dt [N, D, H, W] (step sizes before softplus), b and c [N, S, H, W].
/// Parameters "A_log" [D, S] (A = −exp(A_log)) and "D" [D]. Shapes: → [N, D, H, W].
public struct SelectiveScan: MergeLayer {
    public let aLog: Parameter
    public let skip: Parameter
    public let orders: [ScanOrder]

    /// A_log starts at log(1…S) for every channel (Mamba's S4D-real initialisation), D at 1.
    public init(channels: Int, state: Int, orders: [ScanOrder] = ScanOrder.allCases) {
        precondition(channels >= 1 && state >= 1 && !orders.isEmpty)
        aLog = Parameter(Tensor(shape: [channels, state], scalars: (0..<channels * state).map { Foundation.log(Float($0 % state + 1)) }))
        skip = Parameter(Tensor(shape: [channels], repeating: 1))
        self.orders = orders
    }

    public func forward(_ inputs: [Variable], _ ctx: ForwardContext) -> Variable {
        precondition(inputs.count == 4, "selective scan reads x, dt, b and c; got \(inputs.count) inputs")
        return Variable.selectiveScan(x: inputs[0], dt: inputs[1], b: inputs[2], c: inputs[3],
                                      aLog: ctx.variable(aLog), d: ctx.variable(skip), orders: orders)
    }

    public var namedParameters: [(name: String, parameter: Parameter)] { [("A_log", aLog), ("D", skip)] }
    public func foldedForInference() -> any Layer { self }
}
