// The gradient of one class score with respect to the input pixels: the building block of
// input × gradient (Shrikumar et al. 2016) and integrated gradients. Parameters enter the
// tape as constants, as in Grad-CAM, so threads explain one network concurrently.

import Foundation

public struct InputGradient {
    public let network: Network

    public init(network: Network) { self.network = network }

    /// The explained score per image (as Grad-CAM defines it per head kind) and ∂score/∂input.
    /// Shapes: input [N, C, H, W] → N scores and a gradient [N, C, H, W].
    public func scoresAndGradients(_ input: Tensor, head: Int, classIndex: Int) -> (scores: [Float], gradient: Tensor) {
        precondition(input.rank == 4, "an input gradient needs [N, C, H, W], got \(input.shape)")
        precondition(network.graph.inputs.count == 1, "input gradients are taken for single-input networks")
        precondition(network.heads.indices.contains(head), "no head \(head)")
        let spec = network.heads[head].spec
        precondition(spec.classes.indices.contains(classIndex), "head \(spec.name) has no class \(classIndex)")
        let tape = Tape()
        let ctx = ForwardContext(tape: tape, training: false, frozenParameters: true)
        let x = tape.variable(input)
        let logits = network.forwardHeads([x], ctx)[head]
        let score = GradCAM.score(logits, kind: spec.kind, classIndex: classIndex, classCount: spec.classes.count)
        let grads = tape.backward(from: score.sum())
        return (score.value.scalars, grads[x] ?? Tensor(shape: input.shape))
    }

    /// Input × gradient: each pixel's value times the score's sensitivity to it. Shapes: [N, C, H, W] → same.
    public func inputTimesGradient(_ input: Tensor, head: Int, classIndex: Int) -> Tensor {
        let g = scoresAndGradients(input, head: head, classIndex: classIndex).gradient
        return Tensor(shape: input.shape, scalars: zip(input.scalars, g.scalars).map { $0 * $1 })
    }
}
