// Optimisers with PyTorch's update rules (so parity tests can compare weights):
// SGD with momentum, Nesterov and weight decay; AdamW with decoupled decay.
// Also global-norm gradient clipping.

import Foundation

/// Something that updates parameters from their accumulated gradients.
public protocol Optimizer: AnyObject {
    var parameters: [Parameter] { get }
    var learningRate: Float { get set }
    /// Applies one update from `Parameter.grad` (parameters without a gradient are skipped).
    func step()
}

extension Optimizer {
    /// Clears every parameter's gradient before the next backward pass.
    public func zeroGradients() { parameters.forEach { $0.grad = nil } }
}

/// `torch.optim.SGD`: g ← g + λ·p; b ← μ·b + (1−dampening)·g (b = g on the first step); step with b, or g + μ·b (Nesterov).
public final class SGD: Optimizer {
    public let parameters: [Parameter]
    public var learningRate: Float
    public let momentum, dampening, weightDecay: Float
    public let nesterov: Bool
    private var buffers: [ObjectIdentifier: Tensor] = [:]

    public init(_ parameters: [Parameter], learningRate: Float, momentum: Float = 0, dampening: Float = 0,
                weightDecay: Float = 0, nesterov: Bool = false) {
        precondition(!nesterov || (momentum > 0 && dampening == 0), "Nesterov needs momentum and zero dampening")
        self.parameters = parameters.filter(\.isTrainable)
        self.learningRate = learningRate; self.momentum = momentum; self.dampening = dampening
        self.weightDecay = weightDecay; self.nesterov = nesterov
    }

    public func step() {
        for p in parameters {
            guard var g = p.grad else { continue }
            if weightDecay != 0 { g.add(p.value, scaledBy: weightDecay) }
            if momentum != 0 {
                let id = ObjectIdentifier(p)
                var b: Tensor
                if var old = buffers[id] {
                    old = old * momentum
                    old.add(g, scaledBy: 1 - dampening)
                    b = old
                } else { b = g }
                buffers[id] = b
                if nesterov { g.add(b, scaledBy: momentum) } else { g = b }
            }
            p.value.add(g, scaledBy: -learningRate)
        }
    }
}

/// `torch.optim.AdamW`: p ← p·(1 − lr·λ), then the bias-corrected Adam step.
public final class AdamW: Optimizer {
    public let parameters: [Parameter]
    public var learningRate: Float
    public let beta1, beta2, epsilon, weightDecay: Float
    private var moments: [ObjectIdentifier: (m: Tensor, v: Tensor)] = [:]
    private var steps = 0

    public init(_ parameters: [Parameter], learningRate: Float = 1e-3, beta1: Float = 0.9, beta2: Float = 0.999,
                epsilon: Float = 1e-8, weightDecay: Float = 0.01) {
        self.parameters = parameters.filter(\.isTrainable)
        self.learningRate = learningRate; self.beta1 = beta1; self.beta2 = beta2
        self.epsilon = epsilon; self.weightDecay = weightDecay
    }

    public func step() {
        steps += 1
        let c1 = 1 - Foundation.pow(beta1, Float(steps)), c2 = 1 - Foundation.pow(beta2, Float(steps))
        let (lr, b1, b2, eps, decay) = (learningRate, beta1, beta2, epsilon, 1 - learningRate * weightDecay)
        for p in parameters {
            guard let g = p.grad else { continue }
            let id = ObjectIdentifier(p)
            var (m, v) = moments[id] ?? (Tensor(shape: p.shape), Tensor(shape: p.shape))
            moments[id] = nil  // keep the moments uniquely referenced so the update is in place
            let n = g.count
            g.withUnsafePointer { gp in m.withUnsafeMutablePointer { mp in v.withUnsafeMutablePointer { vp in
                p.value.withUnsafeMutablePointer { w in
                    for i in 0..<n {
                        mp[i] = b1 * mp[i] + (1 - b1) * gp[i]
                        vp[i] = b2 * vp[i] + (1 - b2) * gp[i] * gp[i]
                        w[i] = w[i] * decay - lr * (mp[i] / c1) / ((vp[i] / c2).squareRoot() + eps)
                    }
                }
            } } }
            moments[id] = (m, v)
        }
    }
}

/// Scales all gradients down so their global L2 norm is at most `maxNorm` (`clip_grad_norm_`); returns the norm before clipping.
@discardableResult
public func clipGradientNorm(_ parameters: [Parameter], maxNorm: Float) -> Float {
    let total = parameters.compactMap(\.grad).reduce(0.0) { acc, g in
        acc + g.withUnsafePointer { p in (0..<g.count).reduce(0.0) { $0 + Double(p[$1]) * Double(p[$1]) } }
    }
    let norm = Float(total.squareRoot())
    let scale = maxNorm / (norm + 1e-6)
    if scale < 1 { for p in parameters where p.grad != nil { p.grad = p.grad! * scale } }
    return norm
}
