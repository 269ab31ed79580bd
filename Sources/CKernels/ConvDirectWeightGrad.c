// The weight gradient without im2col (see CKernels.h): dW[co][k] = Σ_p dy[co][p] ·
// xpad[p's window origin + tap k]. A tile is 12 taps × 32 output channels held in
// registers over a chunk of about 256 output pixels: per pixel, two vectors of dy
// (the chunk is first transposed to pixel-major, 32 channels per panel) times twelve
// broadcast input samples. Tiles accumulate in a buffer laid out as the kernel
// stores them and are transposed into dW once at the end. Parts split the tiles,
// so one large layer's gradient (512×4608) is neither zeroed, summed nor added twice.

#include "CKernels.h"
#include "KernelSupport.h"
#include <immintrin.h>
#include <string.h>

#define TT 12                // taps per tile
#define TC RK_DIRECT_PANEL  // output channels per tile (32)
#define CHUNK_PIXELS 256

typedef void (*grad_fn)(int pixels, const long *offset, const float *xpad, const long *tap, const float *dyt, float *tile);

#define ROW(i) __asm__("vfmadd231ps (%[p],%[o],4)%{1to16%}, %[d0], %[c0]\n\t" \
                       "vfmadd231ps (%[p],%[o],4)%{1to16%}, %[d1], %[c1]" \
                       : [c0] "+v"(c##i##0), [c1] "+v"(c##i##1) : [p] "r"(p##i), [o] "r"(off), [d0] "v"(d0), [d1] "v"(d1));
#define LOAD(i, n) __m512 c##i##0 = _mm512_setzero_ps(), c##i##1 = c##i##0; const float *p##i = xpad + tap[n];
#define STORE(i, n) _mm512_storeu_ps(tile + n * TC, _mm512_add_ps(_mm512_loadu_ps(tile + n * TC), c##i##0)); \
                    _mm512_storeu_ps(tile + n * TC + 16, _mm512_add_ps(_mm512_loadu_ps(tile + n * TC + 16), c##i##1));

// tile[i][0..31] += Σ_p xpad[offset[p] + tap[i]] · dyt[p][0..31]: per pixel one offset, two vectors of dy and
// 24 embedded-broadcast FMAs (inline assembly, as in ConvDirect.c; the input is only read). The chunk's sum
// starts from zero and is added to the tile at the end: one running float sum over every pixel of a batch of
// 1600×1200 images drifted by 4e-3 relative, chunk sums added up stay within 1e-5.
AVX512 static void grad_avx512(int pixels, const long *offset, const float *xpad, const long *tap, const float *dyt,
                               float *tile) {
    LOAD(0, 0) LOAD(1, 1) LOAD(2, 2) LOAD(3, 3) LOAD(4, 4) LOAD(5, 5)
    LOAD(6, 6) LOAD(7, 7) LOAD(8, 8) LOAD(9, 9) LOAD(A, 10) LOAD(B, 11)
    for (int p = 0; p < pixels; p++) {
        const long off = offset[p];
        const __m512 d0 = _mm512_loadu_ps(dyt), d1 = _mm512_loadu_ps(dyt + 16);
        ROW(0) ROW(1) ROW(2) ROW(3) ROW(4) ROW(5) ROW(6) ROW(7) ROW(8) ROW(9) ROW(A) ROW(B)
        dyt += TC;
    }
    STORE(0, 0) STORE(1, 1) STORE(2, 2) STORE(3, 3) STORE(4, 4) STORE(5, 5)
    STORE(6, 6) STORE(7, 7) STORE(8, 8) STORE(9, 9) STORE(A, 10) STORE(B, 11)
}

// The same in passes of 6 taps × 16 channels.
AVX2 static void grad_avx2(int pixels, const long *offset, const float *xpad, const long *tap, const float *dyt,
                           float *tile) {
    for (int t0 = 0; t0 < TT; t0 += 6) {
        for (int c0 = 0; c0 < TC; c0 += 16) {
            __m256 acc[6][2];
            for (int i = 0; i < 6; i++) acc[i][0] = acc[i][1] = _mm256_setzero_ps();
            const float *d = dyt + c0;
            for (int p = 0; p < pixels; p++) {
                const __m256 d0 = _mm256_loadu_ps(d), d1 = _mm256_loadu_ps(d + 8);
                const float *x = xpad + offset[p];
#pragma clang loop unroll(full)
                for (int i = 0; i < 6; i++) {
                    const __m256 a = _mm256_broadcast_ss(x + tap[t0 + i]);
                    acc[i][0] = _mm256_fmadd_ps(a, d0, acc[i][0]);
                    acc[i][1] = _mm256_fmadd_ps(a, d1, acc[i][1]);
                }
                d += TC;
            }
            for (int i = 0; i < 6; i++) {
                float *t = tile + (t0 + i) * TC + c0;
                _mm256_storeu_ps(t, _mm256_add_ps(_mm256_loadu_ps(t), acc[i][0]));
                _mm256_storeu_ps(t + 8, _mm256_add_ps(_mm256_loadu_ps(t + 8), acc[i][1]));
            }
        }
    }
}

void rk_conv_weight_grad_direct(const rk_conv *c, const float *xpad, const float *dy, float *dw, int part, int parts) {
    const grad_fn kernel = rk_isa() == 2 ? grad_avx512 : grad_avx2;
    const int M = c->out_channels, khw = c->kernel_h * c->kernel_w, K = c->channels * khw;
    const long Hp = c->height + 2 * c->pad_h, Wp = c->width + 2 * c->pad_w;
    const int oh = c->out_height, ow = c->out_width;
    const long ohw = (long)oh * ow, rows_total = (long)c->batch * oh;
    const int groups = (K + TT - 1) / TT, c_panels = (M + TC - 1) / TC;
    // Parts split the (channel panel, tap group) tiles, panel by panel, and each sweeps every pixel: no part
    // shares an output, so nothing is summed afterwards, and each transposes only its own panels of dy.
    const long items = (long)c_panels * groups, begin = items * part / parts, end = items * (part + 1) / parts;
    if (begin >= end) return;
    const int cp_lo = (int)(begin / groups), cp_hi = (int)((end - 1) / groups) + 1;
    const int chunk_rows = ow >= CHUNK_PIXELS ? 1 : CHUNK_PIXELS / ow;
    const size_t acc_count = (size_t)(end - begin) * TT * TC;
    float *acc = rk_scratch(0, acc_count);
    long *tap = (long *)rk_scratch(1, (size_t)groups * TT * 2 + (size_t)chunk_rows * ow * 2);
    float *dyt = rk_scratch(2, (size_t)(cp_hi - cp_lo) * chunk_rows * ow * TC);
    if (!acc || !tap || !dyt) __builtin_trap();
    long *offset = tap + (size_t)groups * TT;  // per pixel of the chunk: where its window starts in xpad
    memset(acc, 0, sizeof(float) * acc_count);
    for (int k = 0; k < groups * TT; k++) {
        // Taps past K repeat tap 0; their sums land in rows of the buffer that are never read back.
        const int kk = k < K ? k : 0, ci = kk / khw, t = kk - ci * khw, ky = t / c->kernel_w, kx = t - ky * c->kernel_w;
        tap[k] = ci * Hp * Wp + (long)ky * c->dilation_h * Wp + (long)kx * c->dilation_w;
    }
    for (long r0 = 0; r0 < rows_total; r0 += chunk_rows) {
        const int rows = (int)(rows_total - r0 < chunk_rows ? rows_total - r0 : chunk_rows), pixels = rows * ow;
        // dy for the chunk, pixel-major in panels of 32 channels (zero past the last channel).
        for (int r = 0; r < rows; r++) {
            const long n = (r0 + r) / oh, oy = (r0 + r) - n * oh;
            for (int ox = 0; ox < ow; ox++)
                offset[r * ow + ox] = n * c->input_image_stride + oy * c->stride_h * Wp + (long)ox * c->stride_w;
            for (int cp = cp_lo; cp < cp_hi; cp++) {
                float *d = dyt + ((size_t)(cp - cp_lo) * pixels + (size_t)r * ow) * TC;
                for (int j = 0; j < TC; j++) {
                    const int m = cp * TC + j;
                    if (m < M) {
                        const float *src = dy + n * c->output_image_stride + m * ohw + oy * ow;
                        for (int ox = 0; ox < ow; ox++) d[ox * TC + j] = src[ox];
                    } else {
                        for (int ox = 0; ox < ow; ox++) d[ox * TC + j] = 0;
                    }
                }
            }
        }
        for (long item = begin; item < end; item++) {
            const int cp = (int)(item / groups), g = (int)(item - (long)cp * groups);
            kernel(pixels, offset, xpad, tap + g * TT, dyt + (size_t)(cp - cp_lo) * pixels * TC,
                   acc + (size_t)(item - begin) * TT * TC);
        }
    }
    for (long item = begin; item < end; item++) {
        const int cp = (int)(item / groups), g = (int)(item - (long)cp * groups);
        const float *tile = acc + (size_t)(item - begin) * TT * TC;
        for (int j = 0; j < TC && cp * TC + j < M; j++) {
            float *row = dw + (long)(cp * TC + j) * K + g * TT;
            for (int i = 0; i < TT && g * TT + i < K; i++) row[i] = tile[i * TC + j];
        }
    }
}
