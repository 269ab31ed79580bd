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
AVX512 static void direct_avx512(long taps, const float *const *px, const long *tap, const float *w, float *tile) {
    __m512 c00 = _mm512_setzero_ps(), c01 = c00, c10 = c00, c11 = c00, c20 = c00, c21 = c00, c30 = c00, c31 = c00,
           c40 = c00, c41 = c00, c50 = c00, c51 = c00, c60 = c00, c61 = c00, c70 = c00, c71 = c00,
           c80 = c00, c81 = c00, c90 = c00, c91 = c00, cA0 = c00, cA1 = c00, cB0 = c00, cB1 = c00;
    const float *p0 = px[0], *p1 = px[1], *p2 = px[2], *p3 = px[3], *p4 = px[4], *p5 = px[5], *p6 = px[6], *p7 = px[7],
                *p8 = px[8], *p9 = px[9], *pA = px[10], *pB = px[11];
    for (long k = 0; k < taps; k++) {
        const long off = tap[k];
        const __m512 w0 = _mm512_loadu_ps(w), w1 = _mm512_loadu_ps(w + 16);
        ROW(0) ROW(1) ROW(2) ROW(3) ROW(4) ROW(5) ROW(6) ROW(7) ROW(8) ROW(9) ROW(A) ROW(B)
        w += TC;
    }
#define STORE(i, n) _mm512_storeu_ps(tile + n * TC, c##i##0); _mm512_storeu_ps(tile + n * TC + 16, c##i##1);
    STORE(0, 0) STORE(1, 1) STORE(2, 2) STORE(3, 3) STORE(4, 4) STORE(5, 5) STORE(6, 6) STORE(7, 7)
    STORE(8, 8) STORE(9, 9) STORE(A, 10) STORE(B, 11)
}

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

void rk_conv_direct(const rk_conv *c, const float *xpad, const float *packed_w, const float *bias,
                    const float *residual, int act, float *y, int part, int parts) {
    const direct_fn kernel = rk_isa() == 2 ? direct_avx512 : direct_avx2;
    const int vector_store = rk_isa() == 2;
    const int M = c->out_channels, khw = c->kernel_h * c->kernel_w, K = c->channels * khw;
    const long Hp = c->height + 2 * c->pad_h, Wp = c->width + 2 * c->pad_w;
    const long ow = c->out_width, ohw = (long)c->out_height * ow, total = (long)c->batch * ohw;
    const long tiles = (total + TP - 1) / TP;
    const int c_panels = (M + TC - 1) / TC;
    // Few tiles (a small plane of one image): parts split the channel panels instead of the pixels.
    long t_begin = 0, t_end = tiles;
    int cp_begin = 0, cp_end = c_panels;
    if (tiles >= 4L * parts || c_panels < parts) {
        t_begin = tiles * part / parts; t_end = tiles * (part + 1) / parts;
    } else {
        cp_begin = c_panels * part / parts; cp_end = c_panels * (part + 1) / parts;
    }
    if (t_begin >= t_end || cp_begin >= cp_end) return;
    long *tap = (long *)rk_scratch(0, (size_t)K * 2);
    float *tile = rk_scratch(1, TP * TC);
    if (!tap || !tile) __builtin_trap();
    for (int k = 0; k < K; k++) {
        const int ci = k / khw, t = k - ci * khw, ky = t / c->kernel_w, kx = t - ky * c->kernel_w;
        tap[k] = ci * Hp * Wp + (long)ky * c->dilation_h * Wp + (long)kx * c->dilation_w;
    }
    const float *px[BLOCK_TILES][TP];
    long out[BLOCK_TILES][TP];
    int valid[BLOCK_TILES];
    for (long t0 = t_begin; t0 < t_end; t0 += BLOCK_TILES) {
        const int nt = (int)(t_end - t0 < BLOCK_TILES ? t_end - t0 : BLOCK_TILES);
        // Walk the block's pixels in order (image, row, column) instead of dividing for each one.
        const long q_first = t0 * TP;
        long n = q_first / ohw, r = q_first - n * ohw, oy = r / ow, ox = r - oy * ow;
        for (int b = 0; b < nt; b++) {
            const long q0 = (t0 + b) * TP;
            valid[b] = total - q0 < TP ? (int)(total - q0) : TP;
            for (int i = 0; i < valid[b]; i++) {
                px[b][i] = xpad + n * c->input_image_stride + oy * c->stride_h * Wp + ox * c->stride_w;
                out[b][i] = n * c->output_image_stride + oy * ow + ox;
                if (++ox == ow) { ox = 0; if (++oy == c->out_height) { oy = 0; n++; } }
            }
            // Pixels past the end repeat the last one; their results are not stored.
            for (int i = valid[b]; i < TP; i++) { px[b][i] = px[b][valid[b] - 1]; out[b][i] = out[b][valid[b] - 1]; }
        }
        for (int cp = cp_begin; cp < cp_end; cp++) {
            const float *w = packed_w + (size_t)cp * K * TC;
            const int m0 = cp * TC, channels = M - m0 < TC ? M - m0 : TC;
            for (int b = 0; b < nt; b++) {
                // Fetch the output lines while the kernel runs: the stores at its end otherwise wait for them
                // (measured: 9 % of the layer at 56×56 with 64 channels).
                for (int j = 0; j < channels; j++) {
                    __builtin_prefetch(y + out[b][0] + (long)(m0 + j) * ohw, 1, 3);
                    __builtin_prefetch(y + out[b][valid[b] - 1] + (long)(m0 + j) * ohw, 1, 3);
                }
                kernel(K, px[b], tap, w, tile);
                // All twelve pixels in a row of the output plane (the tile does not straddle images): vector stores.
                if (vector_store && valid[b] == TP && out[b][TP - 1] - out[b][0] == TP - 1) {
                    store_tile_avx512(tile, y + out[b][0] + (long)m0 * ohw, residual ? residual + out[b][0] + (long)m0 * ohw : NULL,
                                      ohw, channels, bias ? bias + m0 : NULL, act);
                    continue;
                }
                for (int j = 0; j < channels; j++) {
                    const long plane = (long)(m0 + j) * ohw;
                    const float add = bias ? bias[m0 + j] : 0;
                    for (int i = 0; i < valid[b]; i++) {
                        const long o = out[b][i] + plane;
                        float v = tile[i * TC + j] + add;
                        if (residual) v += residual[o];
                        if (act) v = v > 0 ? v : 0;
                        if (act == 2) v = v < 6 ? v : 6;
                        y[o] = v;
                    }
                }
            }
        }
    }
}
