// Winograd F(4×4, 3×3) convolution, forward (see CKernels.h; Lavin & Gray,
// "Fast Algorithms for Convolutional Neural Networks", 2016, points 0, ±1, ±2).
// A 6×6 input tile d becomes V = Bᵀ·d·B, a 3×3 filter g becomes U = G·g·Gᵀ
// (once, at packing), and the 4×4 output tile is Aᵀ·(Σ_c U ⊙ V)·A: 36
// multiplies per tile and channel pair where the direct kernel does 144.
//
// The tile loop fuses the three stages. A block of TB tiles is transformed for
// every input channel into V[ξ][c][TB] (8 tiles per vector: the 36 samples of 8
// tiles are gathered lane by lane from the zero-padded input); for each panel of
// 16 output channels the 36 products ξ are then batched GEMMs, 6 tiles × 16
// channels per micro-kernel call on the panel's packed U[ξ][panel][c][16]; the
// panel's output transform runs while its 36 × TB × 16 products are in L2, with
// channels in the vector lanes, and bias, residual and activation are applied as
// the 4×4 tiles are transposed into the NCHW output. AVX2 + FMA only: it runs on
// every machine these kernels support; on AVX-512 ones the per-layer measurement
// (PackedConvolution.swift) compares it with the AVX-512 direct kernel.

#include "CKernels.h"
#include "KernelSupport.h"
#include <immintrin.h>
#include <string.h>

#define WK RK_WINOGRAD_PANEL  // output channels per panel (16)
#define WG 6                  // tiles per micro-kernel call
#define WT 8                  // tiles per input-transform vector

// MARK: weights

// U[ξ][panel][c][16] = (G·g·Gᵀ)[ξ] for output channel panel·16 + lane, zero past the last channel.
static const double G[6][3] = {
    {1.0 / 4, 0, 0}, {-1.0 / 6, -1.0 / 6, -1.0 / 6}, {-1.0 / 6, 1.0 / 6, -1.0 / 6},
    {1.0 / 24, 1.0 / 12, 1.0 / 6}, {1.0 / 24, -1.0 / 12, 1.0 / 6}, {0, 0, 1},
};

size_t rk_winograd_weight_count(int out_channels, int in_channels) {
    return (size_t)36 * ((out_channels + WK - 1) / WK) * WK * (size_t)in_channels;
}

void rk_winograd_pack(const float *w, int out_channels, int in_channels, float *u, int part, int parts) {
    const int panels = (out_channels + WK - 1) / WK, C = in_channels;
    for (int kp = panels * part / parts; kp < panels * (part + 1) / parts; kp++) {
        for (int lane = 0; lane < WK; lane++) {
            const int k = kp * WK + lane;
            for (int c = 0; c < C; c++) {
                double t[6][3], v[6][6];
                const float *g = w + ((size_t)k * C + c) * 9;
                for (int i = 0; i < 6; i++)
                    for (int j = 0; j < 3; j++)
                        t[i][j] = k < out_channels ? G[i][0] * g[j] + G[i][1] * g[3 + j] + G[i][2] * g[6 + j] : 0;
                for (int i = 0; i < 6; i++)
                    for (int j = 0; j < 6; j++) v[i][j] = t[i][0] * G[j][0] + t[i][1] * G[j][1] + t[i][2] * G[j][2];
                for (int xi = 0; xi < 36; xi++)
                    u[(((size_t)xi * panels + kp) * C + c) * WK + lane] = (float)v[xi / 6][xi % 6];
            }
        }
    }
}

// MARK: padding

void rk_winograd_padded_size(const rk_conv *c, int *height, int *width) {
    *height = 4 * ((c->out_height + 3) / 4) + 2;
    *width = 4 * ((c->out_width + 3) / 4) + 2;
}

void rk_winograd_pad(const rk_conv *c, int channels_total, const float *x, float *xpad, int part, int parts) {
    int Hq, Wq;
    rk_winograd_padded_size(c, &Hq, &Wq);
    const int H = c->height, W = c->width, ph = c->pad_h, pw = c->pad_w;
    const int rows = H < Hq - ph ? H : Hq - ph, cols = W < Wq - pw ? W : Wq - pw;
    const long planes = (long)c->batch * channels_total;
    for (long plane = planes * part / parts; plane < planes * (part + 1) / parts; plane++) {
        const long n = plane / channels_total, ch = plane - n * channels_total;
        const float *src = x + n * c->input_image_stride + ch * (long)H * W;
        float *dst = xpad + plane * (long)Hq * Wq;
        memset(dst, 0, sizeof(float) * (size_t)ph * Wq);
        for (int iy = 0; iy < rows; iy++) {
            float *row = dst + (long)(iy + ph) * Wq;
            memset(row, 0, sizeof(float) * pw);
            memcpy(row + pw, src + (long)iy * W, sizeof(float) * cols);
            memset(row + pw + cols, 0, sizeof(float) * (Wq - pw - cols));
        }
        memset(dst + (long)(rows + ph) * Wq, 0, sizeof(float) * (size_t)(Hq - rows - ph) * Wq);
    }
}

// MARK: transforms

// o = Bᵀ·d for one column of six vectors.
AVX2 static inline void input_1d(const __m256 d[6], __m256 o[6]) {
    const __m256 four = _mm256_set1_ps(4), five = _mm256_set1_ps(5), two = _mm256_set1_ps(2);
    const __m256 a = _mm256_fnmadd_ps(four, d[2], d[4]), b = _mm256_fnmadd_ps(four, d[1], d[3]);  // d4 − 4d2, d3 − 4d1
    const __m256 e = _mm256_sub_ps(d[4], d[2]), f = _mm256_mul_ps(two, _mm256_sub_ps(d[3], d[1]));
    o[0] = _mm256_fnmadd_ps(five, d[2], _mm256_fmadd_ps(four, d[0], d[4]));
    o[1] = _mm256_add_ps(a, b);
    o[2] = _mm256_sub_ps(a, b);
    o[3] = _mm256_add_ps(e, f);
    o[4] = _mm256_sub_ps(e, f);
    o[5] = _mm256_fnmadd_ps(five, d[3], _mm256_fmadd_ps(four, d[1], d[5]));
}

// o = Aᵀ·m for one column of six vectors.
AVX2 static inline void output_1d(const __m256 m[6], __m256 o[4]) {
    const __m256 two = _mm256_set1_ps(2), four = _mm256_set1_ps(4), eight = _mm256_set1_ps(8);
    const __m256 s12 = _mm256_add_ps(m[1], m[2]), d12 = _mm256_sub_ps(m[1], m[2]);
    const __m256 s34 = _mm256_add_ps(m[3], m[4]), d34 = _mm256_sub_ps(m[3], m[4]);
    o[0] = _mm256_add_ps(_mm256_add_ps(m[0], s12), s34);
    o[1] = _mm256_fmadd_ps(two, d34, d12);
    o[2] = _mm256_fmadd_ps(four, s34, s12);
    o[3] = _mm256_add_ps(_mm256_fmadd_ps(eight, d34, d12), m[5]);
}

// V[ξ][c][col..col+7] for the 8 tiles whose top-left samples are at x + off[i], every channel c (planes `plane` apart).
AVX2 static void input_transform(const float *x, long plane, int C, long Wq, const int off[WT], float *v, long tb) {
    const __m256i base = _mm256_loadu_si256((const __m256i *)off);
    __m256i idx[36];
    for (int r = 0; r < 6; r++)
        for (int s = 0; s < 6; s++) idx[r * 6 + s] = _mm256_add_epi32(base, _mm256_set1_epi32((int)(r * Wq + s)));
    for (int c = 0; c < C; c++) {
        const float *xc = x + (long)c * plane;
        __m256 t[6][6];  // t[i][s] = (Bᵀ·d)[i][s]
        for (int s = 0; s < 6; s++) {
            __m256 d[6], o[6];
            for (int r = 0; r < 6; r++) d[r] = _mm256_i32gather_ps(xc, idx[r * 6 + s], 4);
            input_1d(d, o);
            for (int i = 0; i < 6; i++) t[i][s] = o[i];
        }
        for (int i = 0; i < 6; i++) {
            __m256 o[6];
            input_1d(t[i], o);
            for (int j = 0; j < 6; j++) _mm256_storeu_ps(v + ((long)(i * 6 + j) * C + c) * tb, o[j]);
        }
    }
}

// In-register transpose of 8 rows of 8 floats.
AVX2 static inline void transpose8(__m256 r[8]) {
    __m256 t[8], u[8];
    for (int i = 0; i < 8; i += 2) {
        t[i] = _mm256_unpacklo_ps(r[i], r[i + 1]);
        t[i + 1] = _mm256_unpackhi_ps(r[i], r[i + 1]);
    }
    for (int i = 0; i < 8; i += 4) {
        u[i] = _mm256_shuffle_ps(t[i], t[i + 2], 0x44);
        u[i + 1] = _mm256_shuffle_ps(t[i], t[i + 2], 0xEE);
        u[i + 2] = _mm256_shuffle_ps(t[i + 1], t[i + 3], 0x44);
        u[i + 3] = _mm256_shuffle_ps(t[i + 1], t[i + 3], 0xEE);
    }
    for (int i = 0; i < 4; i++) {
        r[i] = _mm256_permute2f128_ps(u[i], u[i + 4], 0x20);
        r[i + 4] = _mm256_permute2f128_ps(u[i], u[i + 4], 0x31);
    }
}

// The output tile at y (row stride ow, channel planes `plane` apart) for the 8 channels of lanes 0..channels−1:
// y = act(Aᵀ·M·A + bias + residual), M[ξ] at m + ξ·m_stride. `rows` × `cols` of the 4 × 4 outputs are inside.
AVX2 static void output_transform(const float *m, long m_stride, const float *bias8, const float *residual, int act,
                                  float *y, long ow, long plane, int channels, int rows, int cols) {
    __m256 t[4][6], o[16];
    for (int s = 0; s < 6; s++) {
        __m256 col[6], r[4];
        for (int i = 0; i < 6; i++) col[i] = _mm256_loadu_ps(m + (i * 6 + s) * m_stride);
        output_1d(col, r);
        for (int i = 0; i < 4; i++) t[i][s] = r[i];
    }
    const __m256 b = _mm256_loadu_ps(bias8);
    for (int i = 0; i < 4; i++) {
        __m256 r[4];
        output_1d(t[i], r);
        for (int j = 0; j < 4; j++) o[i * 4 + j] = _mm256_add_ps(r[j], b);
    }
    // o[p][lane = channel] → o[channel][p]: rows 0–1 of each channel in the first eight, rows 2–3 in the second.
    transpose8(o);
    transpose8(o + 8);
    const __m256 zero = _mm256_setzero_ps(), six = _mm256_set1_ps(6);
    if (rows == 4 && cols == 4) {
        for (int ch = 0; ch < channels; ch++) {
            float *yc = y + ch * plane;
            const float *rc = residual ? residual + ch * plane : NULL;
            for (int half = 0; half < 2; half++) {
                __m256 v = o[half * 8 + ch];
                float *y0 = yc + 2 * half * ow;
                if (rc) v = _mm256_add_ps(v, _mm256_loadu2_m128(rc + (2 * half + 1) * ow, rc + 2 * half * ow));
                if (act) v = _mm256_max_ps(v, zero);
                if (act == 2) v = _mm256_min_ps(v, six);
                _mm256_storeu2_m128(y0 + ow, y0, v);
            }
        }
        return;
    }
    float tile[16][8];
    for (int i = 0; i < 16; i++) _mm256_storeu_ps(tile[i], o[i]);
    for (int ch = 0; ch < channels; ch++)
        for (int i = 0; i < rows; i++)
            for (int j = 0; j < cols; j++) {
                // tile[half·8 + ch][(i mod 2)·4 + j] holds output (i, j) of channel ch.
                float v = tile[(i / 2) * 8 + ch][(i % 2) * 4 + j];
                const long at = ch * plane + i * ow + j;
                if (residual) v += residual[at];
                y[at] = rk_activate(v, act);
            }
}

// MARK: products

// m[i][0..15] = Σ_c v[c·tb + i] · u[c][0..15] for the 6 tiles i of one group.
AVX2 static void products(long C, const float *v, long tb, const float *u, float *m) {
    __m256 acc[WG][2];
    for (int i = 0; i < WG; i++) acc[i][0] = acc[i][1] = _mm256_setzero_ps();
    for (long c = 0; c < C; c++) {
        const __m256 u0 = _mm256_loadu_ps(u), u1 = _mm256_loadu_ps(u + 8);
#pragma clang loop unroll(full)
        for (int i = 0; i < WG; i++) {
            const __m256 a = _mm256_broadcast_ss(v + i);
            acc[i][0] = _mm256_fmadd_ps(a, u0, acc[i][0]);
            acc[i][1] = _mm256_fmadd_ps(a, u1, acc[i][1]);
        }
        v += tb; u += WK;
    }
    for (int i = 0; i < WG; i++) {
        _mm256_storeu_ps(m + i * WK, acc[i][0]);
        _mm256_storeu_ps(m + i * WK + 8, acc[i][1]);
    }
}

// MARK: forward

AVX2 static void winograd(const rk_conv *c, const float *xpad, const float *u, const float *bias, const float *residual,
                          int act, float *y, int part, int parts) {
    int Hq, Wq;
    rk_winograd_padded_size(c, &Hq, &Wq);
    const int C = c->channels, K = c->out_channels, oh = c->out_height, ow = c->out_width;
    const int tiles_y = (oh + 3) / 4, tiles_x = (ow + 3) / 4;
    const long tiles_image = (long)tiles_y * tiles_x, tiles = c->batch * tiles_image;
    const long plane_in = (long)Hq * Wq, plane_out = (long)oh * ow;
    // Tiles per block: V[36][C][tb] within about 1 MB (L2 and the near L3), a multiple of 6 and of 8.
    const int tb = C <= 128 ? 48 : 24;
    const int panels = (K + WK - 1) / WK;
    // Enough tiles: parts split them evenly (each part's range cut into blocks). Too few (small planes, one image):
    // parts split the channel panels, each transforming the same input.
    long t_begin = 0, t_end = tiles;
    int p_begin = 0, p_end = panels;
    if (tiles >= 24L * parts) {
        t_begin = tiles * part / parts; t_end = tiles * (part + 1) / parts;
    } else {
        p_begin = panels * part / parts; p_end = panels * (part + 1) / parts;
    }
    if (t_begin >= t_end || p_begin >= p_end) return;
    float *v = rk_scratch(0, (size_t)36 * C * tb);
    float *m = rk_scratch(1, (size_t)36 * tb * WK);
    if (!v || !m) __builtin_trap();
    for (long t0 = t_begin; t0 < t_end; t0 += tb) {
        const int nt = (int)(t_end - t0 < tb ? t_end - t0 : tb);
        long out_at[48];  // each tile's top-left output (channel 0) from y
        int rows[48], cols[48];
        for (int g8 = 0; g8 < nt; g8 += WT) {
            int off[WT];
            for (int i = 0; i < WT; i++) {
                // Lanes past the block's last tile repeat it; their products are never read.
                const long t = t0 + (g8 + i < nt ? g8 + i : nt - 1);
                const long n = t / tiles_image, r = t - n * tiles_image, ty = r / tiles_x, tx = r - ty * tiles_x;
                off[i] = (int)(n * C * plane_in + 4 * ty * Wq + 4 * tx);
                if (g8 + i < nt) {
                    out_at[g8 + i] = n * c->output_image_stride + 4 * ty * ow + 4 * tx;
                    rows[g8 + i] = oh - 4 * ty < 4 ? (int)(oh - 4 * ty) : 4;
                    cols[g8 + i] = ow - 4 * tx < 4 ? (int)(ow - 4 * tx) : 4;
                }
            }
            input_transform(xpad, plane_in, C, Wq, off, v + g8, tb);
        }
        for (int kp = p_begin; kp < p_end; kp++) {
            for (int xi = 0; xi < 36; xi++) {
                const float *uxi = u + ((size_t)xi * panels + kp) * C * WK;
                for (int g = 0; g < nt; g += WG) products(C, v + (long)xi * C * tb + g, tb, uxi, m + ((long)xi * tb + g) * WK);
            }
            for (int half = 0; half < 2; half++) {
                const int k0 = kp * WK + half * 8;
                if (k0 >= K) break;
                const int channels = K - k0 < 8 ? K - k0 : 8;
                float b8[8] = {0};
                if (bias) memcpy(b8, bias + k0, sizeof(float) * channels);
                for (int t = 0; t < nt; t++) {
                    const long at = out_at[t] + k0 * plane_out;
                    output_transform(m + t * WK + half * 8, tb * WK, b8, residual ? residual + at : NULL, act, y + at, ow,
                                     plane_out, channels, rows[t], cols[t]);
                }
            }
        }
    }
}

void rk_conv_winograd(const rk_conv *c, const float *xpad, const float *u, const float *bias, const float *residual,
                      int activation, float *y, int part, int parts) {
    winograd(c, xpad, u, bias, residual, activation, y, part, parts);
}
