// Matrix multiply: OpenBLAS `cblas_sgemm` for every real use, and a naive
// triple loop kept beside it as the reference the tests compare against.

import CBLAS

public enum Gemm {
    /// C[m×n] = alpha · op(A) · op(B) + beta · C, all row-major and contiguous.
    /// op(A) is m×k (A stored k×m when `transA`), op(B) is k×n (B stored n×k when `transB`).
    /// `ldb` / `ldc` are row strides when B or C is a column band of a wider matrix (default: packed).
    @inline(__always)
    public static func sgemm(transA: Bool = false, transB: Bool = false, m: Int, n: Int, k: Int,
                             alpha: Float = 1, a: UnsafePointer<Float>, b: UnsafePointer<Float>, ldb: Int? = nil,
                             beta: Float = 0, c: UnsafeMutablePointer<Float>, ldc: Int? = nil) {
        guard m > 0, n > 0 else { return }
        let ldc = ldc ?? n
        if k == 0 {
            // BLAS would still scale C; keep the contract explicit.
            for i in 0..<m { for j in 0..<n { c[i * ldc + j] = beta == 0 ? 0 : beta * c[i * ldc + j] } }
            return
        }
        if m == 1 && !transA {
            // One row (a batch-1 linear layer): a matrix-vector product reads B once, where sgemm first packs all
            // of it (MobileNetV2's 1280 → 1000 classifier: 5 MB copied per image, 4 % of its batch-1 time).
            cblas_sgemv(CblasRowMajor, transB ? CblasNoTrans : CblasTrans, Int32(transB ? n : k), Int32(transB ? k : n), alpha,
                        b, Int32(ldb ?? (transB ? k : n)), a, 1, beta, c, 1)
            return
        }
        cblas_sgemm(CblasRowMajor, transA ? CblasTrans : CblasNoTrans, transB ? CblasTrans : CblasNoTrans,
                    Int32(m), Int32(n), Int32(k), alpha,
                    a, Int32(transA ? m : k), b, Int32(ldb ?? (transB ? k : n)), beta, c, Int32(ldc))
    }

    /// The reference: the same contract as `sgemm`, accumulated in Double.
    public static func naive(transA: Bool = false, transB: Bool = false, m: Int, n: Int, k: Int,
                             alpha: Float = 1, a: UnsafePointer<Float>, b: UnsafePointer<Float>,
                             beta: Float = 0, c: UnsafeMutablePointer<Float>) {
        for i in 0..<m {
            for j in 0..<n {
                var sum = 0.0
                for p in 0..<k {
                    let av = transA ? a[p * m + i] : a[i * k + p]
                    let bv = transB ? b[j * k + p] : b[p * n + j]
                    sum += Double(av) * Double(bv)
                }
                c[i * n + j] = alpha * Float(sum) + (beta == 0 ? 0 : beta * c[i * n + j])
            }
        }
    }

    /// Threads OpenBLAS may use for one call; `ComputeThreads` sets it.
    public static var threads: Int { Int(openblas_get_num_threads()) }
}

extension Tensor {
    /// Matrix product of rank-2 tensors: [m, k] × [k, n] → [m, n] (with optional transposes of the stored operands).
    public func matmul(_ other: Tensor, transposeSelf: Bool = false, transposeOther: Bool = false) -> Tensor {
        precondition(rank == 2 && other.rank == 2, "matmul needs rank-2 tensors, got \(shape) and \(other.shape)")
        let m = transposeSelf ? shape[1] : shape[0], k = transposeSelf ? shape[0] : shape[1]
        let k2 = transposeOther ? other.shape[1] : other.shape[0], n = transposeOther ? other.shape[0] : other.shape[1]
        precondition(k == k2, "matmul inner dimensions differ: \(shape) × \(other.shape)")
        var out = Tensor(shape: [m, n])
        withUnsafePointer { a in other.withUnsafePointer { b in out.withUnsafeMutablePointer { c in
            Gemm.sgemm(transA: transposeSelf, transB: transposeOther, m: m, n: n, k: k, a: a, b: b, c: c)
        } } }
        return out
    }

    /// Transpose of a rank-2 tensor.
    public func transposed() -> Tensor {
        precondition(rank == 2, "transposed needs rank 2, got \(shape)")
        let r = shape[0], c = shape[1]
        var out = Tensor(shape: [c, r])
        withUnsafePointer { s in out.withUnsafeMutablePointer { d in
            for i in 0..<r { for j in 0..<c { d[j * r + i] = s[i * c + j] } }
        } }
        return out
    }
}
