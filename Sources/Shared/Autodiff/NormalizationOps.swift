// Differentiable normalisation: batch normalisation over (N, H, W) per channel
// with running statistics, and row normalisation (zero mean, unit variance per
// row), from which GroupNorm and LayerNorm are composed.

import Foundation

extension Variable {
    /// Batch normalisation of NCHW input with per-channel affine `weight`, `bias` ([C]).
    ///
    /// Training: normalises with the batch statistics (biased variance) and updates the running
    /// statistics with `momentum` and the unbiased variance, as PyTorch. Evaluation: uses the running ones.
    public func batchNorm(weight: Variable, bias: Variable, runningMean: Parameter, runningVar: Parameter,
                          training: Bool, momentum: Float = 0.1, epsilon: Float = 1e-5) -> Variable {
        precondition(value.rank == 4 || value.rank == 2, "batchNorm needs [N, C, H, W] or [N, C], got \(shape)")
        let (n, c) = (shape[0], shape[1])
        let hw = value.rank == 4 ? shape[2] * shape[3] : 1
        precondition(weight.shape == [c] && bias.shape == [c] && runningMean.shape == [c] && runningVar.shape == [c],
                     "batchNorm parameters must be [\(c)]")
        let m = n * hw
        var mean = [Float](repeating: 0, count: c), invStd = [Float](repeating: 0, count: c)
        if training {
            precondition(m > 1, "batchNorm in training needs more than one value per channel")
            var variances = [Double](repeating: 0, count: c)
            value.withUnsafePointer { x in mean.withUnsafeMutableBufferPointer { mp in invStd.withUnsafeMutableBufferPointer { ip in
            variances.withUnsafeMutableBufferPointer { vp in
                forChannels(c, elements: n * c * hw) { ch in
                    // Float SIMD sums per plane, Double across planes: fast, and E[x²] − E[x]² stays accurate enough.
                    var s = 0.0, s2 = 0.0
                    for b in 0..<n {
                        let (ps, ps2) = Summation.sumAndSquares(x + (b * c + ch) * hw, count: hw)
                        s += Double(ps); s2 += Double(ps2)
                    }
                    let mu = s / Double(m), variance = Swift.max(s2 / Double(m) - mu * mu, 0)
                    mp[ch] = Float(mu); ip[ch] = Float(1 / (variance + Double(epsilon)).squareRoot()); vp[ch] = variance
                }
            } } } }
            for ch in 0..<c {
                runningMean.value[ch] = (1 - momentum) * runningMean.value[ch] + momentum * mean[ch]
                runningVar.value[ch] = (1 - momentum) * runningVar.value[ch] + momentum * Float(variances[ch] * Double(m) / Double(m - 1))
            }
        } else {
            mean = runningMean.value.scalars
            invStd = runningVar.value.scalars.map { 1 / ($0 + epsilon).squareRoot() }
        }
        // xhat = (x − mean)·invStd; y = γ·xhat + β.
        var xhat = Tensor(uninitializedShape: shape), y = Tensor(uninitializedShape: shape)
        let gamma = weight.value.scalars, beta = bias.value.scalars
        value.withUnsafePointer { x in xhat.withUnsafeMutablePointer { xh in y.withUnsafeMutablePointer { yp in
            forChannels(c, elements: n * c * hw) { ch in
                let (mu, k, g, bt) = (mean[ch], invStd[ch], gamma[ch], beta[ch])
                for b in 0..<n {
                    let o = (b * c + ch) * hw
                    for i in 0..<hw { let v = (x[o + i] - mu) * k; xh[o + i] = v; yp[o + i] = g * v + bt }
                }
            }
        } } }
        let shape = self.shape
        return Variable.record(y, inputs: [self, weight, bias]) { g, needs in
            var dGamma = [Float](repeating: 0, count: c), dBeta = [Float](repeating: 0, count: c)
            g.withUnsafePointer { gp in xhat.withUnsafePointer { xh in
            dGamma.withUnsafeMutableBufferPointer { dg in dBeta.withUnsafeMutableBufferPointer { db in
                forChannels(c, elements: n * c * hw) { ch in
                    for b in 0..<n {
                        let o = (b * c + ch) * hw
                        db[ch] += Summation.sum(gp + o, count: hw)
                        dg[ch] += Summation.dot(gp + o, xh + o, count: hw)
                    }
                }
            } } } }
            var dx: Tensor? = nil
            if needs[0] {
                var d = Tensor(uninitializedShape: shape)
                g.withUnsafePointer { gp in xhat.withUnsafePointer { xh in d.withUnsafeMutablePointer { dp in
                    forChannels(c, elements: n * c * hw) { ch in
                        for b in 0..<n {
                            let o = (b * c + ch) * hw
                            if training {
                                // dx = γ·invStd/m · (m·g − Σg − xhat·Σ(g·xhat))
                                let k = gamma[ch] * invStd[ch] / Float(m), (sb, sg) = (dBeta[ch], dGamma[ch])
                                for i in 0..<hw { dp[o + i] = k * (Float(m) * gp[o + i] - sb - xh[o + i] * sg) }
                            } else {
                                let k = gamma[ch] * invStd[ch]
                                for i in 0..<hw { dp[o + i] = k * gp[o + i] }
                            }
                        }
                    }
                } } }
                dx = d
            }
            return [dx, Tensor(shape: [c], scalars: dGamma), Tensor(shape: [c], scalars: dBeta)]
        }
    }

    /// Normalises each row of a [R, M] view to zero mean and unit (biased) variance.
    /// GroupNorm and LayerNorm reshape to rows, call this, reshape back and apply their affine.
    public func normalizedRows(epsilon: Float = 1e-5) -> Variable {
        precondition(value.rank == 2, "normalizedRows needs [rows, M], got \(shape)")
        let (r, m) = (shape[0], shape[1])
        var xhat = Tensor(uninitializedShape: shape)
        var invStd = [Float](repeating: 0, count: r)
        value.withUnsafePointer { x in xhat.withUnsafeMutablePointer { xh in
            for row in 0..<r {
                let p = x + row * m
                let (fs, fs2) = Summation.sumAndSquares(p, count: m)
                let s = Double(fs), s2 = Double(fs2)
                let mu = s / Double(m), variance = Swift.max(s2 / Double(m) - mu * mu, 0)
                let inv = Float(1 / (variance + Double(epsilon)).squareRoot())
                invStd[row] = inv
                for i in 0..<m { xh[row * m + i] = (p[i] - Float(mu)) * inv }
            }
        } }
        return Variable.record(xhat, inputs: [self]) { g, _ in
            var dx = Tensor(uninitializedShape: [r, m])
            g.withUnsafePointer { gp in xhat.withUnsafePointer { xh in dx.withUnsafeMutablePointer { dp in
                for row in 0..<r {
                    let o = row * m
                    let sg = Summation.sum(gp + o, count: m), sgx = Summation.dot(gp + o, xh + o, count: m)
                    let k = invStd[row] / Float(m)
                    for i in 0..<m { dp[o + i] = k * (Float(m) * gp[o + i] - sg - xh[o + i] * sgx) }
                }
            } } }
            return [dx]
        }
    }
}

/// Runs `body(channel)` for every channel, channels split across the cores when there is enough work
/// (BatchNorm on a ResNet activation is a few per cent of a training step single-threaded).
func forChannels(_ channels: Int, elements: Int, _ body: (Int) -> Void) {
    let parts = elements >= 1 << 16 ? Swift.max(1, Swift.min(Convolution.threads, channels)) : 1
    Convolution.runParts(parts) { part in
        for ch in (channels * part / parts)..<(channels * (part + 1) / parts) { body(ch) }
    }
}
