// Depthwise 3×3 convolution (one filter per channel, MobileNet), stride 1 or 2,
// with bias, residual and activation applied while each vector of 8 outputs is
// in registers (see CKernels.h). Each plane is copied once into a zero-padded
// per-thread buffer that stays in L1/L2, so the row loop needs no bounds checks;
// stride 2 deinterleaves 16 loaded samples into the 8 even ones; a row's last
// vector is stored through a mask.

#include "CKernels.h"
#include "KernelSupport.h"
#include <immintrin.h>
#include <string.h>

// The even samples of p[0..15].
AVX2 static inline __m256 even8(const float *p) {
    const __m256 a = _mm256_loadu_ps(p), b = _mm256_loadu_ps(p + 8);
    const __m256 e = _mm256_shuffle_ps(a, b, 0x88);  // a0 a2 b0 b2 | a4 a6 b4 b6
    return _mm256_castpd_ps(_mm256_permute4x64_pd(_mm256_castps_pd(e), 0xD8));
}

// Lanes 0..n−1 of a vector (n ≤ 8): the last vector of a row that is no multiple of 8 wide is computed whole (the
// padded plane has slack for its loads) and stored, with its residual read, through this mask. At 7×7 and 14×14,
// where MobileNetV2 spends most of its depthwise layers, most outputs are in such a vector.
AVX2 static inline __m256i lanes(int n) {
    static const int32_t table[16] = {-1, -1, -1, -1, -1, -1, -1, -1, 0, 0, 0, 0, 0, 0, 0, 0};
    return _mm256_loadu_si256((const __m256i *)(table + 8 - n));
}

AVX2 static inline void store8(float *y, __m256 acc, const float *rr, int act, int n) {
    const __m256i m = lanes(n);
    if (rr) acc = _mm256_add_ps(acc, n == 8 ? _mm256_loadu_ps(rr) : _mm256_maskload_ps(rr, m));
    if (act) acc = _mm256_max_ps(acc, _mm256_setzero_ps());
    if (act == 2) acc = _mm256_min_ps(acc, _mm256_set1_ps(6));
    if (n == 8) _mm256_storeu_ps(y, acc);
    else _mm256_maskstore_ps(y, m, acc);
}

AVX2 void rk_depthwise_plane3x3(const float *xp, long wp, const float *w, float bias, const float *residual, int act,
                                float *y, int oh, int ow, int stride) {
    const __m256 b = _mm256_set1_ps(bias);
    __m256 k[9];
    for (int t = 0; t < 9; t++) k[t] = _mm256_set1_ps(w[t]);
    int oy0 = 0;
    if (stride == 1) {
        // Two output rows at once share two of their four input rows: 12 loads for 18 multiply-adds instead of 18
        // (the kernel is bound by loads, not by the FMA units).
        for (; oy0 + 2 <= oh; oy0 += 2) {
            const float *r[4];
            r[0] = xp + (long)oy0 * wp;
            for (int j = 1; j < 4; j++) r[j] = r[j - 1] + wp;
            float *y0 = y + (long)oy0 * ow, *y1 = y0 + ow;
            const float *rr0 = residual ? residual + (long)oy0 * ow : NULL, *rr1 = rr0 ? rr0 + ow : NULL;
            for (int ox = 0; ox < ow; ox += 8) {
                const int n = ow - ox < 8 ? ow - ox : 8;
                __m256 a0 = b, a1 = b;
#pragma clang loop unroll(full)
                for (int j = 0; j < 4; j++)
#pragma clang loop unroll(full)
                    for (int t = 0; t < 3; t++) {
                        const __m256 v = _mm256_loadu_ps(r[j] + ox + t);
                        if (j < 3) a0 = _mm256_fmadd_ps(v, k[3 * j + t], a0);
                        if (j > 0) a1 = _mm256_fmadd_ps(v, k[3 * (j - 1) + t], a1);
                    }
                store8(y0 + ox, a0, rr0 ? rr0 + ox : NULL, act, n);
                store8(y1 + ox, a1, rr1 ? rr1 + ox : NULL, act, n);
            }
        }
    }
    for (int oy = oy0; oy < oh; oy++) {
        const float *r0 = xp + (long)oy * stride * wp, *r1 = r0 + wp, *r2 = r1 + wp;
        float *yr = y + (long)oy * ow;
        const float *rr = residual ? residual + (long)oy * ow : NULL;
        for (int ox = 0; ox < ow; ox += 8) {
            const int n = ow - ox < 8 ? ow - ox : 8;
            __m256 acc = b;
            if (stride == 1) {
                const long i = ox;
                acc = _mm256_fmadd_ps(_mm256_loadu_ps(r0 + i), k[0], acc);
                acc = _mm256_fmadd_ps(_mm256_loadu_ps(r0 + i + 1), k[1], acc);
                acc = _mm256_fmadd_ps(_mm256_loadu_ps(r0 + i + 2), k[2], acc);
                acc = _mm256_fmadd_ps(_mm256_loadu_ps(r1 + i), k[3], acc);
                acc = _mm256_fmadd_ps(_mm256_loadu_ps(r1 + i + 1), k[4], acc);
                acc = _mm256_fmadd_ps(_mm256_loadu_ps(r1 + i + 2), k[5], acc);
                acc = _mm256_fmadd_ps(_mm256_loadu_ps(r2 + i), k[6], acc);
                acc = _mm256_fmadd_ps(_mm256_loadu_ps(r2 + i + 1), k[7], acc);
                acc = _mm256_fmadd_ps(_mm256_loadu_ps(r2 + i + 2), k[8], acc);
            } else {
                const long i = 2L * ox;
                acc = _mm256_fmadd_ps(even8(r0 + i), k[0], acc);
                acc = _mm256_fmadd_ps(even8(r0 + i + 1), k[1], acc);
                acc = _mm256_fmadd_ps(even8(r0 + i + 2), k[2], acc);
                acc = _mm256_fmadd_ps(even8(r1 + i), k[3], acc);
                acc = _mm256_fmadd_ps(even8(r1 + i + 1), k[4], acc);
                acc = _mm256_fmadd_ps(even8(r1 + i + 2), k[5], acc);
                acc = _mm256_fmadd_ps(even8(r2 + i), k[6], acc);
                acc = _mm256_fmadd_ps(even8(r2 + i + 1), k[7], acc);
                acc = _mm256_fmadd_ps(even8(r2 + i + 2), k[8], acc);
            }
            store8(yr + ox, acc, rr ? rr + ox : NULL, act, n);
        }
    }
}

void rk_depthwise3x3(const rk_conv *c, const float *x, const float *w, const float *bias, const float *residual,
                     int activation, float *y, int part, int parts) {
    const int H = c->height, W = c->width, ph = c->pad_h, pw = c->pad_w, oh = c->out_height, ow = c->out_width;
    const int C = c->channels, s = c->stride_h;
    // Rows and columns the windows reach (the last vector of a stride-2 row loads 16 samples from its start).
    const long hp = (long)(oh - 1) * s + 3, wp = (long)(ow - 1) * s + 3 + 16;
    float *buffer = rk_scratch(0, (size_t)(hp * wp));
    if (!buffer) __builtin_trap();
    memset(buffer, 0, sizeof(float) * (size_t)(hp * wp));
    const long planes = (long)c->batch * C;
    for (long plane = planes * part / parts; plane < planes * (part + 1) / parts; plane++) {
        const long n = plane / C, ch = plane - n * C;
        const float *src = x + n * c->input_image_stride + ch * (long)H * W;
        // Only the samples inside the image are written; the border stays zero from the memset above.
        for (int iy = 0; iy < H && iy + ph < hp; iy++) {
            const int cols = W < wp - 16 - pw ? W : (int)(wp - 16 - pw);
            memcpy(buffer + (iy + ph) * wp + pw, src + (long)iy * W, sizeof(float) * (cols > 0 ? cols : 0));
        }
        const long at = n * c->output_image_stride + ch * (long)oh * ow;
        rk_depthwise_plane3x3(buffer, wp, w + ch * 9, bias ? bias[ch] : 0, residual ? residual + at : NULL, activation,
                              y + at, oh, ow, s);
    }
}
