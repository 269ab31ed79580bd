// What the kernel files share and Swift does not see: target attributes and per-thread scratch.
#ifndef RETICLE_KERNEL_SUPPORT_H
#define RETICLE_KERNEL_SUPPORT_H

#include <stddef.h>

#define AVX512 __attribute__((target("avx512f,avx512vl,avx512dq,fma")))
#define AVX2 __attribute__((target("avx2,fma")))

/// The epilogue's activation on one value (CKernels.h's codes: 0 none, 1 ReLU, 2 ReLU6), for the scalar tails.
static inline float rk_activate(float v, int act) {
    if (act) v = v > 0 ? v : 0;
    if (act == 2) v = v < 6 ? v : 6;
    return v;
}

/// The packed GEMM micro-kernel (ConvGemm.c) for the widest ISA in use: c[i][0..RK_GEMM_NR) (+)= Σ_k a[k][i]·b[k][·]
/// for i < RK_GEMM_PANEL, a packed by rk_pack_panels (width RK_GEMM_PANEL), b advancing `ldb` floats per depth step.
/// flags: RK_GEMM_ACCUMULATE adds to c; RK_GEMM_LAST adds bias[i] and residual (row stride ldc) and applies `act`.
enum { RK_GEMM_ACCUMULATE = 1, RK_GEMM_LAST = 2 };
typedef void (*rk_gemm_kernel_fn)(long kc, const float *a, const float *b, long ldb, float *c, long ldc, int flags,
                                  const float *bias, const float *residual, int act);
rk_gemm_kernel_fn rk_gemm_kernel(void);

/// One depthwise 3×3 plane (ConvDepthwise.c): y[oh][ow] = act(conv(xp) + bias + residual) over a zero-padded plane xp
/// with row stride wp (the rows and columns the windows reach, plus 16 floats of slack at each row's end).
void rk_depthwise_plane3x3(const float *xp, long wp, const float *w, float bias, const float *residual, int act,
                           float *y, int oh, int ow, int stride);

/// A 64-byte aligned buffer of at least `count` floats, one per thread and slot (0–2), kept between calls.
float *rk_scratch(int slot, size_t count);

#endif
