// Losses with fused, numerically stable backward passes: cross-entropy (label
// smoothing, class weights), binary cross-entropy on logits, and the CORAL
// ordinal loss. Each returns a rank-0 Variable (mean over the batch).

import Foundation

public enum Loss {
    /// Cross-entropy of softmax(logits) against integer targets, PyTorch's `F.cross_entropy` semantics:
    /// smoothing ε mixes the one-hot target with the uniform one; with class weights w the mean divides by Σ w[target].
    ///
    /// Shapes: logits [N, K], targets N values in 0..<K, classWeights K values.
    public static func crossEntropy(_ logits: Variable, targets: [Int], labelSmoothing: Float = 0, classWeights: [Float]? = nil) -> Variable {
        precondition(logits.value.rank == 2 && logits.shape[0] == targets.count, "crossEntropy: logits \(logits.shape) for \(targets.count) targets")
        let (n, k) = (logits.shape[0], logits.shape[1])
        precondition(targets.allSatisfy { $0 >= 0 && $0 < k }, "crossEntropy: a target is outside 0..<\(k)")
        precondition(labelSmoothing >= 0 && labelSmoothing < 1, "label smoothing must be in [0, 1)")
        let w = classWeights ?? [Float](repeating: 1, count: k)
        precondition(w.count == k, "crossEntropy: \(w.count) class weights for \(k) classes")
        let eps = labelSmoothing, sumW = w.reduce(0, +)
        let p = Variable.softmaxRows(logits.value)
        var total = 0.0, norm = 0.0
        p.withUnsafePointer { pp in
            for i in 0..<n {
                let y = targets[i]
                var smooth = 0.0
                for j in 0..<k { smooth += Double(w[j]) * Foundation.log(Double(Swift.max(pp[i * k + j], 1e-30))) }
                let nll = Foundation.log(Double(Swift.max(pp[i * k + y], 1e-30)))
                total -= Double(1 - eps) * Double(w[y]) * nll + Double(eps) / Double(k) * smooth
                norm += Double(w[y])
            }
        }
        let denominator = Float(Swift.max(norm, 1e-12))
        return Variable.record(Tensor(scalar: Float(total / Double(denominator))), inputs: [logits]) { g, _ in
            // d/dz_j = [(1−ε)·w_y·(p_j − δ_jy) + ε/K·(Σw·p_j − w_j)] / Σ_i w_{y_i}
            var dz = Tensor(shape: [n, k])
            let scale = g.item / denominator
            p.withUnsafePointer { pp in dz.withUnsafeMutablePointer { d in
                for i in 0..<n {
                    let y = targets[i]
                    for j in 0..<k {
                        let pj = pp[i * k + j]
                        var v = (1 - eps) * w[y] * (pj - (j == y ? 1 : 0))
                        v += eps / Float(k) * (sumW * pj - w[j])
                        d[i * k + j] = v * scale
                    }
                }
            } }
            return [dz]
        }
    }

    /// Binary cross-entropy on logits (`BCEWithLogitsLoss`), mean over all entries, optional per-entry weights.
    /// Shapes: logits, targets (values in [0, 1]) and weights all [N, M].
    public static func binaryCrossEntropy(_ logits: Variable, targets: Tensor, weights: Tensor? = nil) -> Variable {
        precondition(logits.shape == targets.shape, "BCE: logits \(logits.shape) vs targets \(targets.shape)")
        precondition(weights == nil || weights!.shape == targets.shape, "BCE: weights must match targets")
        let z = logits.value, count = Float(Swift.max(z.count, 1))
        let wts = weights ?? Tensor(shape: z.shape, repeating: 1)
        var total = 0.0
        z.withUnsafePointer { zp in targets.withUnsafePointer { tp in wts.withUnsafePointer { wp in
            for i in 0..<z.count {
                // max(z, 0) − z·t + log(1 + e^{−|z|}): stable for any |z|.
                let v = Swift.max(zp[i], 0) - zp[i] * tp[i] + Foundation.log1p(Foundation.exp(-abs(zp[i])))
                total += Double(wp[i] * v)
            }
        } } }
        return Variable.record(Tensor(scalar: Float(total) / count), inputs: [logits]) { g, _ in
            let s = g.item / count
            var dz = Tensor(shape: z.shape)
            z.withUnsafePointer { zp in targets.withUnsafePointer { tp in wts.withUnsafePointer { wp in dz.withUnsafeMutablePointer { d in
                for i in 0..<z.count { d[i] = s * wp[i] * (1 / (1 + Foundation.exp(-zp[i])) - tp[i]) }
            } } } }
            return [dz]
        }
    }

    /// CORAL ordinal loss (Cao, Mirjalili & Raschka, 2020): binary cross-entropy of logit k against
    /// "label > k", summed over the K−1 thresholds and averaged over the batch.
    /// Shapes: logits [N, K−1], labels N values in 0..<K.
    public static func coral(_ logits: Variable, labels: [Int], classWeights: [Float]? = nil) -> Variable {
        precondition(logits.value.rank == 2 && logits.shape[0] == labels.count, "coral: logits \(logits.shape) for \(labels.count) labels")
        let (n, t) = (logits.shape[0], logits.shape[1])
        precondition(labels.allSatisfy { $0 >= 0 && $0 <= t }, "coral: a label is outside 0...\(t)")
        let targets = Tensor(shape: [n, t], scalars: labels.flatMap { y in (0..<t).map { $0 < y ? Float(1) : 0 } })
        let weights = classWeights.map { w in Tensor(shape: [n, t], scalars: labels.flatMap { [Float](repeating: w[$0], count: t) }) }
        // BCE averages over N·(K−1); CORAL sums thresholds, hence the factor K−1.
        return binaryCrossEntropy(logits, targets: targets, weights: weights) * Float(t)
    }

    /// Ordinal class from CORAL logits: the number of thresholds whose probability exceeds ½.
    public static func coralPredictions(_ logits: Tensor) -> [Int] {
        precondition(logits.rank == 2, "coralPredictions needs [N, K−1]")
        let t = logits.shape[1]
        return logits.withUnsafePointer { p in (0..<logits.shape[0]).map { i in (0..<t).filter { p[i * t + $0] > 0 }.count } }
    }
}
