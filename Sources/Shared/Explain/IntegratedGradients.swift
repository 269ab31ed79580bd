// Integrated gradients (Sundararajan et al., "Axiomatic Attribution for Deep Networks",
// ICML 2017): the path integral of the input gradient from a baseline to the image, times
// (image − baseline). Unlike a plain gradient it satisfies completeness: the attributions
// add up to score(image) − score(baseline), which `completenessGap` reports so a user can
// raise `steps` until the integral has converged.

import Foundation

public struct IntegratedGradients {
    public let network: Network
    /// Points on the straight path (trapezoidal rule over `steps` intervals).
    public let steps: Int
    /// The baseline pixel value (0 is the mean image after the usual normalisation).
    public let baseline: Float

    public init(network: Network, steps: Int = 32, baseline: Float = 0) {
        precondition(steps >= 1, "integrated gradients need at least one step")
        self.network = network; self.steps = steps; self.baseline = baseline
    }

    /// Attributions and, per image, score(image) − score(baseline) − Σ attributions.
    /// Shapes: input [N, C, H, W] → attributions [N, C, H, W] and N gaps.
    public func attributions(_ input: Tensor, head: Int, classIndex: Int) -> (attributions: Tensor, completenessGap: [Float]) {
        precondition(input.rank == 4, "integrated gradients need [N, C, H, W], got \(input.shape)")
        let n = input.shape[0], per = input.count / Swift.max(1, n)
        let gradient = InputGradient(network: network)
        var out = [Float](repeating: 0, count: input.count)
        var gaps = [Float](repeating: 0, count: n)
        let x = input.scalars
        for i in 0..<n {
            // All path points of one image in one batch: steps + 1 images.
            var path = [Float](repeating: 0, count: (steps + 1) * per)
            for s in 0...steps {
                let t = Float(s) / Float(steps)
                for j in 0..<per { path[s * per + j] = baseline + t * (x[i * per + j] - baseline) }
            }
            let (scores, g) = gradient.scoresAndGradients(Tensor(shape: [steps + 1] + Array(input.shape.dropFirst()), scalars: path), head: head, classIndex: classIndex)
            let gv = g.scalars
            var total: Float = 0
            for j in 0..<per {
                var integral: Float = 0
                for s in 0...steps { integral += (s == 0 || s == steps ? 0.5 : 1) * gv[s * per + j] }
                let a = (x[i * per + j] - baseline) * integral / Float(steps)
                out[i * per + j] = a
                total += a
            }
            gaps[i] = scores[steps] - scores[0] - total
        }
        return (Tensor(shape: input.shape, scalars: out), gaps)
    }
}
