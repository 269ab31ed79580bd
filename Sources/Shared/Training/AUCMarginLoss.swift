// The AUC-margin (AUC-M) min-max loss of Yuan, Yan, Sonka & Yang, "Large-scale Robust Deep AUC
// Maximization" (ICCV 2021), as LibAUC's `AUCMLoss` (version v1) defines it, on the score
// s = σ(logit) of one binary head:
//
//   F = (1−p)·mean((s−a)²·[y=1]) + p·mean((s−b)²·[y=0])
//       + 2α·(p(1−p)·m + mean(p·s·[y=0] − (1−p)·s·[y=1])) − p(1−p)·α²
//
// where p is the batch's positive fraction, m the margin, a and b the (learnable) mean scores of
// positives and negatives, and α ≥ 0 the dual variable. The network, a and b descend; α ascends
// (PESG, `PESG.swift`).

import Foundation

/// The loss's settings and learnable state (a, b, α); PESG updates the state.
public final class AUCMarginLoss: @unchecked Sendable {
    public let margin: Float
    /// Mean score of positives (descends).
    public let a: Parameter
    /// Mean score of negatives (descends).
    public let b: Parameter
    /// The dual variable (ascends, clamped at 0). Not trainable by an ordinary optimiser.
    public let alpha: Parameter
    /// The positive fraction p the loss weighs with (LibAUC's `imratio`: the training set's); nil uses each batch's.
    public let imratio: Double?

    public init(margin: Float = 1, a: Float = 0, b: Float = 0, alpha: Float = 0, imratio: Double? = nil) {
        precondition(margin.isFinite && margin > 0, "AUC-margin: margin must be positive")
        precondition(imratio == nil || (imratio! > 0 && imratio! < 1), "AUC-margin: imratio must lie in (0, 1)")
        self.margin = margin
        self.imratio = imratio
        self.a = Parameter(Tensor(shape: [1], scalars: [a]))
        self.b = Parameter(Tensor(shape: [1], scalars: [b]))
        self.alpha = Parameter(Tensor(shape: [1], scalars: [alpha]))
    }

    /// The state for a model file or checkpoint (`margin`, `a`, `b`, `alpha`).
    public var json: JSONObject {
        var o: JSONObject = ["margin": .number(Double(margin)), "a": .number(Double(a.value.scalars[0])),
                             "b": .number(Double(b.value.scalars[0])), "alpha": .number(Double(alpha.value.scalars[0]))]
        if let imratio { o["imratio"] = .number(imratio) }
        return o
    }

    /// Restores a state written by `json`.
    public convenience init(json: JSONObject) throws {
        func value(_ k: String) throws -> Float {
            guard let v = json[k]?.doubleValue ?? json[k]?.intValue.map(Double.init), v.isFinite else { throw ReticleError(.corrupt, "AUC-margin state lacks a finite \"\(k)\"") }
            return Float(v)
        }
        let m = try value("margin")
        guard m > 0 else { throw ReticleError(.corrupt, "AUC-margin state has margin \(m)") }
        let p = json["imratio"]?.doubleValue
        if let p { guard p > 0 && p < 1 else { throw ReticleError(.corrupt, "AUC-margin state has imratio \(p)") } }
        self.init(margin: m, a: try value("a"), b: try value("b"), alpha: Swift.max(0, try value("alpha")), imratio: p)
    }

    /// The loss of one batch. Shapes: logits [N, 1] (a binary head), labels N values in {0, 1}.
    /// `a`, `b` and `alpha` are the state's variables on the same tape (`ctx.variable(loss.a)` ...).
    public func callAsFunction(_ logits: Variable, labels: [Int], a av: Variable, b bv: Variable, alpha alv: Variable) -> Variable {
        precondition(logits.value.rank == 2 && logits.shape[1] == 1 && logits.shape[0] == labels.count,
                     "AUC-margin: logits \(logits.shape) for \(labels.count) labels; needs one binary head [N, 1]")
        precondition(labels.allSatisfy { $0 == 0 || $0 == 1 }, "AUC-margin: labels must be 0 or 1")
        let n = labels.count, nf = Double(n)
        let p = imratio ?? Double(labels.filter { $0 == 1 }.count) / nf
        let (a, b, al, m) = (Double(av.value.scalars[0]), Double(bv.value.scalars[0]), Double(alv.value.scalars[0]), Double(margin))
        let s = logits.value.scalars.map { 1 / (1 + Foundation.exp(-Double($0))) }
        var pos = 0.0, neg = 0.0, cross = 0.0
        for i in 0..<n {
            if labels[i] == 1 { pos += (s[i] - a) * (s[i] - a); cross -= (1 - p) * s[i] } else { neg += (s[i] - b) * (s[i] - b); cross += p * s[i] }
        }
        let value = (1 - p) * pos / nf + p * neg / nf + 2 * al * (p * (1 - p) * m + cross / nf) - p * (1 - p) * al * al
        return Variable.record(Tensor(scalar: Float(value)), inputs: [logits, av, bv, alv]) { g, _ in
            let scale = Double(g.item)
            var dz = [Float](repeating: 0, count: n)
            var da = 0.0, db = 0.0
            for i in 0..<n {
                let ds: Double
                if labels[i] == 1 {
                    ds = (2 * (1 - p) * (s[i] - a) - 2 * al * (1 - p)) / nf
                    da -= 2 * (1 - p) * (s[i] - a) / nf
                } else {
                    ds = (2 * p * (s[i] - b) + 2 * al * p) / nf
                    db -= 2 * p * (s[i] - b) / nf
                }
                dz[i] = Float(scale * ds * s[i] * (1 - s[i]))
            }
            let dalpha = 2 * (p * (1 - p) * m + cross / nf) - 2 * p * (1 - p) * al
            return [Tensor(shape: [n, 1], scalars: dz), Tensor(shape: [1], scalars: [Float(scale * da)]),
                    Tensor(shape: [1], scalars: [Float(scale * db)]), Tensor(shape: [1], scalars: [Float(scale * dalpha)])]
        }
    }
}

extension Network {
    /// One PESG step on the AUC-margin loss of the network's single binary head. Returns the loss.
    @discardableResult
    public func aucMarginStep(inputs: [Tensor], labels: [Int], loss: AUCMarginLoss, optimizer: PESG, seed: UInt64 = 0) -> Float {
        precondition(heads.count == 1 && heads[0].spec.kind == .binary, "AUC-margin training needs one binary head")
        let tape = Tape()
        let ctx = ForwardContext(tape: tape, training: true, seed: seed)
        let logits = forwardHeads(inputs.map { Variable($0) }, ctx)[0]
        let l = loss(logits, labels: labels, a: tape.variable(loss.a), b: tape.variable(loss.b), alpha: tape.variable(loss.alpha))
        optimizer.zeroGradients()
        loss.alpha.grad = nil
        tape.backward(from: l)
        optimizer.step()
        return l.value.item
    }
}
