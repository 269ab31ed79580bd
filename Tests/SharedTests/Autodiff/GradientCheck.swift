// Finite-difference gradient checking (after ggml's test-backend-ops): the
// tape's gradient of L = Σ r ⊙ f(x) against central differences, with the
// projection L accumulated in Double.

import XCTest
import Shared
import TestSupport

/// Inputs with distinct, well-separated values (no ties for max, no points at kinks).
func distinctTensor(_ shape: [Int], seed: UInt64, scale: Float = 1) -> Tensor {
    var rng = SeededRandom(seed: seed)
    let n = shape.reduce(1, *)
    let grid = (0..<n).map { (Float($0) + 0.5) / Float(n) * 2 - 1 }.shuffled(using: &rng)
    // Keep values off zero so ReLU-like kinks are never within a finite-difference step.
    return Tensor(shape: shape, scalars: grid.map { scale * ($0 >= 0 ? $0 + 0.05 : $0 - 0.05) })
}

/// Compares the tape's gradients of Σ r ⊙ f(inputs) with central differences for every input.
/// At most `samples` entries of each input are probed.
func checkGradients(_ inputs: [Tensor], epsilon: Float = 1e-2, rtol: Float = 2e-2, atol: Float = 2e-3, samples: Int = 40,
                    _ label: String = "", file: StaticString = #filePath, line: UInt = #line,
                    _ f: ([Variable]) -> Variable) {
    let tape = Tape()
    let vars = inputs.map { tape.variable($0) }
    let out = f(vars)
    var rng = SplitMix64(seed: 99)
    let r = Tensor.uniform(out.shape, low: -1, high: 1, using: &rng)
    let grads = tape.backward(from: out, seed: r)

    func loss(_ xs: [Tensor]) -> Double {
        let y = f(xs.map { Variable($0) }).value
        return zip(y.scalars, r.scalars).reduce(0.0) { $0 + Double($1.0) * Double($1.1) }
    }
    for (i, x) in inputs.enumerated() {
        guard let analytic = grads[vars[i]] else { XCTFail("no gradient for input \(i) \(label)", file: file, line: line); continue }
        XCTAssertEqual(analytic.shape, x.shape, file: file, line: line)
        let stride = max(1, x.count / samples)
        for j in Swift.stride(from: 0, to: x.count, by: stride) {
            var plus = inputs, minus = inputs
            plus[i] = x.adding(epsilon, at: j)
            minus[i] = x.adding(-epsilon, at: j)
            let numeric = Float((loss(plus) - loss(minus)) / (2 * Double(epsilon)))
            let a = analytic.scalars[j]
            if !(abs(a - numeric) <= atol + rtol * max(abs(a), abs(numeric))) {
                XCTFail("\(label) input \(i)[\(j)]: tape \(a) vs finite difference \(numeric)", file: file, line: line)
                return
            }
        }
    }
}

extension Tensor {
    func adding(_ delta: Float, at flat: Int) -> Tensor {
        var t = self
        t.withUnsafeMutablePointer { $0[flat] += delta }
        return t
    }
}
