// Ops over positions of a feature map taken as a sequence: the selective state-space scan
// (Mamba's S6 recurrence) along several scan orders of the map, and row gathering (a loss on
// a chosen subset of pixels). Backward passes are written out: the scan recomputes its states
// per channel instead of keeping them, so memory stays at the size of its inputs.

import Foundation

/// The orders in which a selective scan visits the positions of an H × W map.
public enum ScanOrder: String, Codable, Sendable, CaseIterable {
    case rows, rowsReversed, columns, columnsReversed

    /// Flat position (y·W + x) visited at each step.
    public func positions(height h: Int, width w: Int) -> [Int] {
        let n = h * w
        switch self {
        case .rows: return Array(0..<n)
        case .rowsReversed: return Array((0..<n).reversed())
        case .columns: return (0..<n).map { t in (t % h) * w + t / h }
        case .columnsReversed: return (0..<n).reversed().map { t in (t % h) * w + t / h }
        }
    }
}

extension Variable {
    /// Selective state-space scan averaged over `orders`, plus a skip term:
    /// y = D ⊙ x + mean over orders of the scan, where per sample and channel d, in scan order t,
    /// Δ_t = softplus(dt_t), h_t = exp(Δ_t·A_d) ⊙ h_{t−1} + Δ_t·B_t·x_t (state of size S),
    /// y_t = ⟨C_t, h_t⟩, and A = −exp(aLog). B and C are shared by the channels, as in Mamba.
    ///
    /// Shapes: x, dt [N, D, H, W]; b, c [N, S, H, W]; aLog [D, S]; d [D] → [N, D, H, W].
    public static func selectiveScan(x: Variable, dt: Variable, b: Variable, c: Variable, aLog: Variable, d: Variable,
                                     orders: [ScanOrder] = ScanOrder.allCases) -> Variable {
        precondition(x.value.rank == 4 && dt.shape == x.shape, "selectiveScan: x \(x.shape) and dt \(dt.shape) must be one [N, D, H, W]")
        let (n, ch, h, w) = (x.shape[0], x.shape[1], x.shape[2], x.shape[3])
        precondition(b.value.rank == 4 && b.shape == c.shape && b.shape[0] == n && b.shape[2] == h && b.shape[3] == w,
                     "selectiveScan: b \(b.shape) and c \(c.shape) must be [N, S, H, W] on x's grid")
        let s = b.shape[1]
        precondition(aLog.shape == [ch, s] && d.shape == [ch], "selectiveScan: aLog must be [D, S] and d [D]")
        precondition(!orders.isEmpty, "selectiveScan needs at least one scan order")
        let plane = h * w
        let paths = orders.map { $0.positions(height: h, width: w) }
        let share = 1 / Float(orders.count)
        let a = aLog.value.scalars.map { -Foundation.exp($0) }
        let (xv, dtv, bv, cv, dv) = (x.value, dt.value, b.value, c.value, d.value)

        var y = Tensor(shape: x.shape)
        // Δ = softplus(dt) and the decays exp(Δ·A) are shared by every scan order and the backward pass:
        // computed once, they replace most of the transcendental calls.
        var deltas = Tensor(shape: x.shape), decays = Tensor(shape: [n * ch * plane, s])
        xv.withUnsafePointer { xp in dtv.withUnsafePointer { dtp in bv.withUnsafePointer { bp in cv.withUnsafePointer { cp in
            dv.withUnsafePointer { dp in y.withUnsafeMutablePointer { out in
            deltas.withUnsafeMutablePointer { dl in decays.withUnsafeMutablePointer { dc in
                let parts = Swift.max(1, Swift.min(n * ch, Convolution.threads))
                Convolution.runParts(parts) { part in
                    var state = [Float](repeating: 0, count: s)
                    var item = part
                    while item < n * ch {
                        let (i, k) = (item / ch, item % ch)
                        let xo = (i * ch + k) * plane, bo = i * s * plane
                        for q in 0..<plane {
                            out[xo + q] = dp[k] * xp[xo + q]
                            let delta = softplus(dtp[xo + q])
                            dl[xo + q] = delta
                            for j in 0..<s { dc[(xo + q) * s + j] = Foundation.exp(delta * a[k * s + j]) }
                        }
                        for path in paths {
                            for j in 0..<s { state[j] = 0 }
                            for p in path {
                                let delta = dl[xo + p], u = xp[xo + p], decay = dc + (xo + p) * s
                                var acc: Float = 0
                                for j in 0..<s {
                                    let hj = decay[j] * state[j] + delta * bp[bo + j * plane + p] * u
                                    state[j] = hj
                                    acc += cp[bo + j * plane + p] * hj
                                }
                                out[xo + p] += share * acc
                            }
                        }
                        item += parts
                    }
                }
            } }
            } }
        } } } }

        return record(y, inputs: [x, dt, b, c, aLog, d]) { g, needs in
            var gx = Tensor(shape: xv.shape), gdt = Tensor(shape: dtv.shape)
            var gb = Tensor(shape: bv.shape), gc = Tensor(shape: cv.shape)
            // Per-sample partial sums of the shared parameters' gradients, added up after the parallel part.
            var ga = Tensor(shape: [n, ch, s]), gd = Tensor(shape: [n, ch])
            xv.withUnsafePointer { xp in dtv.withUnsafePointer { dtp in bv.withUnsafePointer { bp in cv.withUnsafePointer { cp in
            dv.withUnsafePointer { dp in g.withUnsafePointer { gp in deltas.withUnsafePointer { dl in decays.withUnsafePointer { dc in
            gx.withUnsafeMutablePointer { gxp in gdt.withUnsafeMutablePointer { gdtp in gb.withUnsafeMutablePointer { gbp in
            gc.withUnsafeMutablePointer { gcp in ga.withUnsafeMutablePointer { gap in gd.withUnsafeMutablePointer { gdp in
                // B and C gradients sum over channels, so one sample's channels stay on one thread.
                let parts = Swift.max(1, Swift.min(n, Convolution.threads))
                Convolution.runParts(parts) { part in
                    let (gx, gdt, gb, gc, ga, gd) = (gxp, gdtp, gbp, gcp, gap, gdp)
                    var states = [Float](repeating: 0, count: plane * s)
                    var carry = [Float](repeating: 0, count: s)
                    var i = part
                    while i < n {
                        let bo = i * s * plane
                        for k in 0..<ch {
                            let xo = (i * ch + k) * plane
                            for q in 0..<plane {
                                gx[xo + q] += dp[k] * gp[xo + q]
                                gd[i * ch + k] += gp[xo + q] * xp[xo + q]
                            }
                            for path in paths {
                                // Recompute the states of this channel along the path.
                                for j in 0..<s { carry[j] = 0 }
                                for (t, p) in path.enumerated() {
                                    let delta = dl[xo + p], u = xp[xo + p], decay = dc + (xo + p) * s
                                    for j in 0..<s {
                                        carry[j] = decay[j] * carry[j] + delta * bp[bo + j * plane + p] * u
                                        states[t * s + j] = carry[j]
                                    }
                                }
                                for j in 0..<s { carry[j] = 0 }
                                for t in stride(from: plane - 1, through: 0, by: -1) {
                                    let p = path[t]
                                    let raw = dtp[xo + p], delta = dl[xo + p], u = xp[xo + p]
                                    let gy = share * gp[xo + p]
                                    var gDelta: Float = 0, gu: Float = 0
                                    for j in 0..<s {
                                        let aj = a[k * s + j], decay = dc[(xo + p) * s + j]
                                        let bj = bp[bo + j * plane + p]
                                        let dh = gy * cp[bo + j * plane + p] + carry[j]
                                        let previous = t > 0 ? states[(t - 1) * s + j] : 0
                                        gc[bo + j * plane + p] += gy * states[t * s + j]
                                        let dDecay = dh * previous
                                        gDelta += dDecay * decay * aj + dh * bj * u
                                        ga[(i * ch + k) * s + j] += dDecay * decay * delta
                                        gb[bo + j * plane + p] += dh * delta * u
                                        gu += dh * delta * bj
                                        carry[j] = dh * decay
                                    }
                                    gdt[xo + p] += gDelta / (1 + Foundation.exp(-raw))
                                    gx[xo + p] += gu
                                }
                            }
                        }
                        i += parts
                    }
                }
            } } } } } }
            } } } } } } } }
            // dL/daLog = dL/dA · dA/daLog = dL/dA · A.
            var gaLog = Tensor(shape: [ch, s]), gdSum = Tensor(shape: [ch])
            ga.withUnsafePointer { gap in gaLog.withUnsafeMutablePointer { out in
                for i in 0..<n { for q in 0..<(ch * s) { out[q] += gap[i * ch * s + q] } }
                for q in 0..<(ch * s) { out[q] *= a[q] }
            } }
            gd.withUnsafePointer { gdp in gdSum.withUnsafeMutablePointer { out in
                for i in 0..<n { for k in 0..<ch { out[k] += gdp[i * ch + k] } }
            } }
            return [needs[0] ? gx : nil, needs[1] ? gdt : nil, needs[2] ? gb : nil, needs[3] ? gc : nil,
                    needs[4] ? gaLog : nil, needs[5] ? gdSum : nil]
        }
    }

    /// Rows `indices` of a matrix, in that order (repeats allowed). Shapes: [M, F] → [indices.count, F].
    public func gatherRows(_ indices: [Int]) -> Variable {
        precondition(value.rank == 2, "gatherRows needs a matrix [M, F], got \(shape)")
        let (m, f) = (shape[0], shape[1])
        precondition(indices.allSatisfy { $0 >= 0 && $0 < m }, "gatherRows: an index is outside 0..<\(m)")
        let out = value.withUnsafePointer { src in
            Tensor(shape: [indices.count, f], zeroedThen: { dst in
                for (r, i) in indices.enumerated() { (dst + r * f).update(from: src + i * f, count: f) }
            })
        }
        return Variable.record(out, inputs: [self]) { g, _ in
            var dx = Tensor(shape: [m, f])
            g.withUnsafePointer { gp in dx.withUnsafeMutablePointer { d in
                for (r, i) in indices.enumerated() { for j in 0..<f { d[i * f + j] += gp[r * f + j] } }
            } }
            return [dx]
        }
    }
}

/// log(1 + eˣ) without overflow for large x.
@inline(__always) func softplus(_ x: Float) -> Float {
    x > 20 ? x : Foundation.log1p(Foundation.exp(x))
}
