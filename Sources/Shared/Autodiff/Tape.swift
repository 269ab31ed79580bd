// Reverse-mode automatic differentiation on a tape: every op run on a taped
// Variable appends a node holding its backward closure; `backward` walks the
// nodes in reverse, accumulating gradients for parameters, inputs and any
// activation the caller asked to keep (saliency methods need the latter).

import Dispatch

/// A trainable tensor (a weight) or a state buffer (a running mean), shared by reference
/// so that the layer, the optimiser and the tape all see one value.
public final class Parameter: @unchecked Sendable {
    public var value: Tensor
    /// Accumulated by `Tape.backward`; cleared by the optimiser's `zeroGradients`.
    public var grad: Tensor?
    /// Buffers (BatchNorm running statistics) are saved and loaded but never trained.
    public let isTrainable: Bool

    public init(_ value: Tensor, trainable: Bool = true) {
        self.value = value
        isTrainable = trainable
    }

    public var shape: [Int] { value.shape }
}

/// A tensor flowing through a computation: a constant, or a node on a tape.
public struct Variable {
    public let value: Tensor
    /// Index of this value's node on `tape`; meaningless when `tape` is nil.
    public let id: Int
    public let tape: Tape?

    /// A constant: gradients never flow into it, and ops on constants record nothing.
    public init(_ value: Tensor) {
        self.value = value
        id = -1
        tape = nil
    }

    init(value: Tensor, id: Int, tape: Tape) {
        self.value = value
        self.id = id
        self.tape = tape
    }

    public var shape: [Int] { value.shape }
    public var isTaped: Bool { tape != nil }

    /// Records an op whose result is `value` and whose inputs are `inputs`.
    /// `backward(gradOutput, needs)` returns one gradient per input (nil where `needs[i]` is false or no gradient flows).
    /// With no taped input, nothing is recorded and the result is a constant.
    /// The closure must capture tensors, never Variables: a Variable holds its tape, so capturing one
    /// would make a retain cycle that keeps every activation of the pass alive.
    /// `op` names the op in `Tape.profile` (the calling function by default).
    public static func record(_ value: Tensor, inputs: [Variable], op: StaticString = #function,
                              backward: @escaping (_ gradOutput: Tensor, _ needs: [Bool]) -> [Tensor?]) -> Variable {
        guard let tape = inputs.first(where: { $0.tape != nil })?.tape else { return Variable(value) }
        precondition(inputs.allSatisfy { $0.tape == nil || $0.tape === tape }, "an op mixes variables from two tapes")
        return tape.append(value, inputs: inputs.map { $0.tape == nil ? -1 : $0.id }, op: op, backward: backward)
    }
}

/// The record of one forward pass, consumed by `backward`.
public final class Tape {
    struct Node {
        let op: StaticString
        let inputs: [Int]
        let backward: ((Tensor, [Bool]) -> [Tensor?])?
        let parameter: Parameter?
        let shape: [Int]
    }

    private(set) var nodes: [Node] = []
    /// When set, `backward` adds each op's backward time (seconds) under its name to `profile`.
    public var profiling = false
    public private(set) var profile: [String: Double] = [:]

    public init() {}

    /// Number of recorded nodes (leaves included).
    public var count: Int { nodes.count }

    /// A leaf whose gradient `backward` will report (an input image, for saliency).
    public func variable(_ value: Tensor) -> Variable {
        nodes.append(Node(op: "leaf", inputs: [], backward: nil, parameter: nil, shape: value.shape))
        return Variable(value: value, id: nodes.count - 1, tape: self)
    }

    /// A leaf bound to `parameter`: `backward` adds its gradient into `parameter.grad`.
    public func variable(_ parameter: Parameter) -> Variable {
        nodes.append(Node(op: "parameter", inputs: [], backward: nil, parameter: parameter.isTrainable ? parameter : nil, shape: parameter.shape))
        return Variable(value: parameter.value, id: nodes.count - 1, tape: self)
    }

    func append(_ value: Tensor, inputs: [Int], op: StaticString, backward: @escaping (Tensor, [Bool]) -> [Tensor?]) -> Variable {
        nodes.append(Node(op: op, inputs: inputs, backward: backward, parameter: nil, shape: value.shape))
        return Variable(value: value, id: nodes.count - 1, tape: self)
    }

    /// Back-propagates from `output` (seeded with `seed`, default all ones — so a scalar loss gets dL/dL = 1).
    /// Parameter leaves accumulate into `Parameter.grad`; the returned gradients cover every leaf
    /// made with `variable(_:)` plus the variables in `retaining`.
    @discardableResult
    public func backward(from output: Variable, seed: Tensor? = nil, retaining: [Variable] = []) -> Gradients {
        precondition(output.tape === self, "backward from a variable of another tape (or a constant)")
        let seed = seed ?? Tensor(shape: output.shape, repeating: 1)
        precondition(seed.shape == output.shape, "seed \(seed.shape) ≠ output \(output.shape)")
        var grads = [Tensor?](repeating: nil, count: output.id + 1)
        grads[output.id] = seed
        let retained = Set(retaining.map(\.id))
        // Which nodes lead to a leaf that wants a gradient: only those need their inputs' gradients.
        var wanted = [Bool](repeating: false, count: output.id + 1)
        for i in 0...output.id {
            let node = nodes[i]
            wanted[i] = node.backward == nil || node.inputs.contains { $0 >= 0 && wanted[$0] }
        }
        var kept: [Int: Tensor] = [:]
        for i in stride(from: output.id, through: 0, by: -1) {
            guard let g = grads[i] else { continue }
            let node = nodes[i]
            if let p = node.parameter {
                if p.grad == nil { p.grad = g } else { p.grad!.add(g) }
            }
            if node.backward == nil || retained.contains(i) { kept[i] = g }
            if let backward = node.backward {
                let needs = node.inputs.map { $0 >= 0 && wanted[$0] }
                if needs.contains(true) {
                    let started = profiling ? DispatchTime.now().uptimeNanoseconds : 0
                    let inputGrads = backward(g, needs)
                    if profiling { profile["\(node.op)", default: 0] += Double(DispatchTime.now().uptimeNanoseconds - started) / 1e9 }
                    precondition(inputGrads.count == node.inputs.count, "backward returned \(inputGrads.count) gradients for \(node.inputs.count) inputs")
                    for (j, input) in node.inputs.enumerated() where needs[j] {
                        guard let ig = inputGrads[j] else { continue }
                        precondition(ig.shape == nodes[input].shape, "gradient \(ig.shape) for an input of shape \(nodes[input].shape)")
                        if grads[input] == nil { grads[input] = ig } else { grads[input]!.add(ig) }
                    }
                }
            }
            grads[i] = nil  // free as we go: activations' gradients can be large
        }
        return Gradients(byID: kept)
    }
}

/// Gradients of one backward pass, looked up by variable.
public struct Gradients {
    let byID: [Int: Tensor]
    /// The gradient of the output with respect to `v` (nil when none flowed or it was not retained).
    public subscript(_ v: Variable) -> Tensor? { byID[v.id] }
}
