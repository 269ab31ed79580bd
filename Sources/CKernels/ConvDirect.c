// Direct convolution (see CKernels.h): no im2col. A tile is 12 output pixels ×
// 32 output channels; for each tap k = (c_in, ky, kx) the kernel broadcasts the
// 12 input samples under the window (one load each from the zero-padded input,
// whatever the stride or dilation) and multiplies them into two vectors of 32
// packed weights. This is the layout ONNX Runtime's and oneDNN's CPU
// convolutions use; it avoids writing K×P im2col floats, which cost this project
// 20–70 % on top of the multiply-adds for convolutions with few output channels
// (measured on one core, batch 16: 64→64 3×3 at 56×56 runs 93 GFLOP/s here
// against 74–82 through packed im2col; 512→512 at 7×7, 107 against 89).

#include "CKernels.h"
#include "KernelSupport.h"
#include <immintrin.h>
#include <string.h>

#define TP 12  // pixels per tile
#define TC RK_DIRECT_PANEL  // output channels per tile (32)
#define BLOCK_TILES 8  // pixel tiles swept by every channel panel while their input is in L2

typedef void (*direct_fn)(long taps, const float *const *px, const long *tap, const float *w, float *tile);

// tile[i][0..31] = Σ_k px[i][tap[k]] · w[k][0..31]
// Embedded-broadcast FMAs in inline assembly: with intrinsics clang hoists all twelve broadcasts and spills
// accumulators (93 against 80 GFLOP/s). The input is only read, and nothing in this file writes it.
#define ROW(i) __asm__("vfmadd231ps (%[p],%[o],4)%{1to16%}, %[w0], %[c0]\n\t" \
                       "vfmadd231ps (%[p],%[o],4)%{1to16%}, %[w1], %[c1]" \
                       : [c0] "+v"(c##i##0), [c1] "+v"(c##i##1) : [p] "r"(p##i), [o] "r"(off), [w0] "v"(w0), [w1] "v"(w1));
#define DECLARE(i, n) __m512 c##i##0 = _mm512_setzero_ps(), c##i##1 = c##i##0; const float *p##i = px[n];
#define STORE(i, n) _mm512_storeu_ps(tile + n * TC, c##i##0); _mm512_storeu_ps(tile + n * TC + 16, c##i##1);
#define DIRECT_KERNEL(name, declare, rows, store)                                                              \
    AVX512 static void name(long taps, const float *const *px, const long *tap, const float *w, float *tile) { \
        declare                                                                                                \
        for (long k = 0; k < taps; k++) {                                                                      \
            const long off = tap[k];                                                                           \
            const __m512 w0 = _mm512_loadu_ps(w), w1 = _mm512_loadu_ps(w + 16);                               \
            rows                                                                                               \
            w += TC;                                                                                           \
        }                                                                                                      \
        store                                                                                                  \
    }

DIRECT_KERNEL(direct_avx512,
              DECLARE(0, 0) DECLARE(1, 1) DECLARE(2, 2) DECLARE(3, 3) DECLARE(4, 4) DECLARE(5, 5)
              DECLARE(6, 6) DECLARE(7, 7) DECLARE(8, 8) DECLARE(9, 9) DECLARE(A, 10) DECLARE(B, 11),
              ROW(0) ROW(1) ROW(2) ROW(3) ROW(4) ROW(5) ROW(6) ROW(7) ROW(8) ROW(9) ROW(A) ROW(B),
              STORE(0, 0) STORE(1, 1) STORE(2, 2) STORE(3, 3) STORE(4, 4) STORE(5, 5)
              STORE(6, 6) STORE(7, 7) STORE(8, 8) STORE(9, 9) STORE(A, 10) STORE(B, 11))

// The last, partial tile of a small plane (49 pixels at 7×7 leave one in the fifth tile): 8 or 4 pixels only,
// so a one-image ResNet's last stage does not run a third of its multiply-adds on repeated pixels.
DIRECT_KERNEL(direct_avx512_8,
              DECLARE(0, 0) DECLARE(1, 1) DECLARE(2, 2) DECLARE(3, 3) DECLARE(4, 4) DECLARE(5, 5) DECLARE(6, 6) DECLARE(7, 7),
              ROW(0) ROW(1) ROW(2) ROW(3) ROW(4) ROW(5) ROW(6) ROW(7),
              STORE(0, 0) STORE(1, 1) STORE(2, 2) STORE(3, 3) STORE(4, 4) STORE(5, 5) STORE(6, 6) STORE(7, 7))
DIRECT_KERNEL(direct_avx512_4,
              DECLARE(0, 0) DECLARE(1, 1) DECLARE(2, 2) DECLARE(3, 3),
              ROW(0) ROW(1) ROW(2) ROW(3),
              STORE(0, 0) STORE(1, 1) STORE(2, 2) STORE(3, 3))

// The same tile in four passes of 6 pixels × 16 channels (12 ymm accumulators).
AVX2 static void direct_avx2(long taps, const float *const *px, const long *tap, const float *w, float *tile) {
    for (int p0 = 0; p0 < TP; p0 += 6) {
        for (int c0 = 0; c0 < TC; c0 += 16) {
            __m256 acc[6][2];
            for (int i = 0; i < 6; i++) acc[i][0] = acc[i][1] = _mm256_setzero_ps();
            const float *wp = w + c0;
            for (long k = 0; k < taps; k++) {
                const long off = tap[k];
                const __m256 w0 = _mm256_loadu_ps(wp), w1 = _mm256_loadu_ps(wp + 8);
#pragma clang loop unroll(full)
                for (int i = 0; i < 6; i++) {
                    const __m256 a = _mm256_broadcast_ss(px[p0 + i] + off);
                    acc[i][0] = _mm256_fmadd_ps(a, w0, acc[i][0]);
                    acc[i][1] = _mm256_fmadd_ps(a, w1, acc[i][1]);
                }
                wp += TC;
            }
            for (int i = 0; i < 6; i++) {
                _mm256_storeu_ps(tile + (p0 + i) * TC + c0, acc[i][0]);
                _mm256_storeu_ps(tile + (p0 + i) * TC + c0 + 8, acc[i][1]);
            }
        }
    }
}

// In-register transpose of 16 rows of 16 floats: r[i][j] becomes r[j][i].
AVX512 static inline void transpose16(__m512 r[16]) {
    __m512 t[16];
    for (int i = 0; i < 16; i += 2) {
        t[i] = _mm512_unpacklo_ps(r[i], r[i + 1]);
        t[i + 1] = _mm512_unpackhi_ps(r[i], r[i + 1]);
    }
    // Per 128-bit lane L of group G (rows 4G..4G+3): u[4G + c] holds column 4L + c of those rows.
    for (int i = 0; i < 16; i += 4) {
        r[i] = _mm512_shuffle_ps(t[i], t[i + 2], 0x44);
        r[i + 1] = _mm512_shuffle_ps(t[i], t[i + 2], 0xEE);
        r[i + 2] = _mm512_shuffle_ps(t[i + 1], t[i + 3], 0x44);
        r[i + 3] = _mm512_shuffle_ps(t[i + 1], t[i + 3], 0xEE);
    }
    for (int c = 0; c < 4; c++) {
        t[c] = _mm512_shuffle_f32x4(r[c], r[4 + c], 0x88);
        t[4 + c] = _mm512_shuffle_f32x4(r[c], r[4 + c], 0xDD);
        t[8 + c] = _mm512_shuffle_f32x4(r[8 + c], r[12 + c], 0x88);
        t[12 + c] = _mm512_shuffle_f32x4(r[8 + c], r[12 + c], 0xDD);
    }
    for (int c = 0; c < 4; c++) {
        r[c] = _mm512_shuffle_f32x4(t[c], t[8 + c], 0x88);
        r[8 + c] = _mm512_shuffle_f32x4(t[c], t[8 + c], 0xDD);
        r[4 + c] = _mm512_shuffle_f32x4(t[4 + c], t[12 + c], 0x88);
        r[12 + c] = _mm512_shuffle_f32x4(t[4 + c], t[12 + c], 0xDD);
    }
}

// y[j·plane + i] = act(tile[i][j] + bias[j] + residual[j·plane + i]) for the 12 pixels i and `channels` channels j:
// the tile transposed 16 channels at a time, each channel's twelve pixels stored as one masked vector.
AVX512 static void store_tile_avx512(const float *tile, float *y, const float *residual, long plane, int channels,
                                     const float *bias, int act) {
    const __mmask16 mask = (1 << TP) - 1;
    const __m512 zero = _mm512_setzero_ps(), six = _mm512_set1_ps(6);
    for (int j0 = 0; j0 < channels; j0 += 16) {
        __m512 r[16];
        for (int i = 0; i < 16; i++) r[i] = i < TP ? _mm512_loadu_ps(tile + i * TC + j0) : zero;
        transpose16(r);
        for (int j = 0; j < 16 && j0 + j < channels; j++) {
            __m512 v = r[j];
            if (bias) v = _mm512_add_ps(v, _mm512_set1_ps(bias[j0 + j]));
            if (residual) v = _mm512_add_ps(v, _mm512_maskz_loadu_ps(mask, residual + (j0 + j) * plane));
            if (act) v = _mm512_max_ps(v, zero);
            if (act == 2) v = _mm512_min_ps(v, six);
            _mm512_mask_storeu_ps(y + (j0 + j) * plane, mask, v);
        }
    }
}

void rk_pad_input(const rk_conv *c, int channels_total, const float *x, float *xpad, int part, int parts) {
    const int H = c->height, W = c->width, Hp = H + 2 * c->pad_h, Wp = W + 2 * c->pad_w;
    const long planes = (long)c->batch * channels_total;
    for (long plane = planes * part / parts; plane < planes * (part + 1) / parts; plane++) {
        const long n = plane / channels_total, ch = plane - n * channels_total;
        const float *src = x + n * c->input_image_stride + ch * (long)H * W;
        float *dst = xpad + plane * (long)Hp * Wp;
        memset(dst, 0, sizeof(float) * (size_t)c->pad_h * Wp);
        for (int iy = 0; iy < H; iy++) {
            float *row = dst + (long)(iy + c->pad_h) * Wp;
            for (int j = 0; j < c->pad_w; j++) row[j] = row[c->pad_w + W + j] = 0;
            memcpy(row + c->pad_w, src + (long)iy * W, sizeof(float) * W);
        }
        memset(dst + (long)(H + c->pad_h) * Wp, 0, sizeof(float) * (size_t)c->pad_h * Wp);
    }
}

// Everything one call needs, for the block loop.
typedef struct {
    const rk_conv *c;
    direct_fn kernel;
    int vector_store, M, K, act;
    long Wp, ow, ohw, total;
    const long *tap;
    const float *xpad, *packed_w, *bias, *residual;
    float *y, *tile;
} direct_job;

// Tiles t0..t0+nt−1 (at most BLOCK_TILES) against channel panels cp_begin..<cp_end.
static void run_block(const direct_job *j, long t0, int nt, int cp_begin, int cp_end) {
    const rk_conv *c = j->c;
    const long ow = j->ow, ohw = j->ohw;
    const float *px[BLOCK_TILES][TP];
    long out[BLOCK_TILES][TP];
    int valid[BLOCK_TILES];
    // Walk the block's pixels in order (image, row, column) instead of dividing for each one.
    const long q_first = t0 * TP;
    long n = q_first / ohw, r = q_first - n * ohw, oy = r / ow, ox = r - oy * ow;
    for (int b = 0; b < nt; b++) {
        const long q0 = (t0 + b) * TP;
        valid[b] = j->total - q0 < TP ? (int)(j->total - q0) : TP;
        for (int i = 0; i < valid[b]; i++) {
            px[b][i] = j->xpad + n * c->input_image_stride + oy * c->stride_h * j->Wp + ox * c->stride_w;
            out[b][i] = n * c->output_image_stride + oy * ow + ox;
            if (++ox == ow) { ox = 0; if (++oy == c->out_height) { oy = 0; n++; } }
        }
        // Pixels past the end repeat the last one; their results are not stored.
        for (int i = valid[b]; i < TP; i++) { px[b][i] = px[b][valid[b] - 1]; out[b][i] = out[b][valid[b] - 1]; }
    }
    float *y = j->y, *tile = j->tile;
    const float *residual = j->residual;
    const int act = j->act;
    for (int cp = cp_begin; cp < cp_end; cp++) {
        const float *w = j->packed_w + (size_t)cp * j->K * TC;
        const int m0 = cp * TC, channels = j->M - m0 < TC ? j->M - m0 : TC;
        for (int b = 0; b < nt; b++) {
            // Fetch the output lines while the kernel runs: the stores at its end otherwise wait for them
            // (measured: 9 % of the layer at 56×56 with 64 channels).
            for (int ch = 0; ch < channels; ch++) {
                __builtin_prefetch(y + out[b][0] + (long)(m0 + ch) * ohw, 1, 3);
                __builtin_prefetch(y + out[b][valid[b] - 1] + (long)(m0 + ch) * ohw, 1, 3);
            }
            const direct_fn kernel = !j->vector_store || valid[b] > 8 ? j->kernel : valid[b] > 4 ? direct_avx512_8 : direct_avx512_4;
            kernel(j->K, px[b], j->tap, w, tile);
            // All twelve pixels in a row of the output plane (the tile does not straddle images): vector stores.
            if (j->vector_store && valid[b] == TP && out[b][TP - 1] - out[b][0] == TP - 1) {
                store_tile_avx512(tile, y + out[b][0] + (long)m0 * ohw, residual ? residual + out[b][0] + (long)m0 * ohw : NULL,
                                  ohw, channels, j->bias ? j->bias + m0 : NULL, act);
                continue;
            }
            for (int ch = 0; ch < channels; ch++) {
                const long plane = (long)(m0 + ch) * ohw;
                const float add = j->bias ? j->bias[m0 + ch] : 0;
                for (int i = 0; i < valid[b]; i++) {
                    const long o = out[b][i] + plane;
                    float v = tile[i * TC + ch] + add;
                    if (residual) v += residual[o];
                    if (act) v = v > 0 ? v : 0;
                    if (act == 2) v = v < 6 ? v : 6;
                    y[o] = v;
                }
            }
        }
    }
}

void rk_conv_direct(const rk_conv *c, const float *xpad, const float *packed_w, const float *bias,
                    const float *residual, int act, float *y, int part, int parts) {
    const int khw = c->kernel_h * c->kernel_w, K = c->channels * khw;
    const long Hp = c->height + 2 * c->pad_h, Wp = c->width + 2 * c->pad_w;
    const long ow = c->out_width, ohw = (long)c->out_height * ow, total = (long)c->batch * ohw;
    const long tiles = (total + TP - 1) / TP;
    const int c_panels = (c->out_channels + TC - 1) / TC;
    long *tap = (long *)rk_scratch(0, (size_t)K * 2);
    float *tile = rk_scratch(1, TP * TC);
    if (!tap || !tile) __builtin_trap();
    for (int k = 0; k < K; k++) {
        const int ci = k / khw, t = k - ci * khw, ky = t / c->kernel_w, kx = t - ky * c->kernel_w;
        tap[k] = ci * Hp * Wp + (long)ky * c->dilation_h * Wp + (long)kx * c->dilation_w;
    }
    const int avx512 = rk_isa() == 2;
    const direct_job job = {c, avx512 ? direct_avx512 : direct_avx2, avx512, c->out_channels, K, act,
                            Wp, ow, ohw, total, tap, xpad, packed_w, bias, residual, y, tile};
    if (tiles >= 16L * parts) {
        // Many tiles: parts split the pixels; each block of tiles meets every channel panel while its input is in L2.
        const long t_begin = tiles * part / parts, t_end = tiles * (part + 1) / parts;
        for (long t0 = t_begin; t0 < t_end; t0 += BLOCK_TILES)
            run_block(&job, t0, (int)(t_end - t0 < BLOCK_TILES ? t_end - t0 : BLOCK_TILES), 0, c_panels);
        return;
    }
    // Few tiles (small planes, one image): parts split the (channel panel, tile) pairs evenly, panel by panel.
    const long items = tiles * c_panels, begin = items * part / parts, end = items * (part + 1) / parts;
    for (long item = begin; item < end;) {
        const int cp = (int)(item / tiles);
        const long t_end = (cp + 1) * tiles < end ? tiles : end - cp * tiles;
        for (long t0 = item - cp * tiles; t0 < t_end; t0 += BLOCK_TILES)
            run_block(&job, t0, (int)(t_end - t0 < BLOCK_TILES ? t_end - t0 : BLOCK_TILES), cp, cp + 1);
        item = cp * tiles + t_end;
    }
}
