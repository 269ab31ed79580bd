// Depthwise 3×3 convolution (one filter per channel, MobileNet), stride 1 or 2,
// with bias, residual and activation applied while each vector of 8 outputs is
// in registers (see CKernels.h). Each plane is copied once into a zero-padded
// per-thread buffer that stays in L1/L2, so the row loop needs no bounds checks;
// stride 2 deinterleaves 16 loaded samples into the 8 even ones.

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

// One output: bias + window, residual, activation.
static inline float tail1(const float *r0, const float *r1, const float *r2, long i, const float *w, float bias,
                          const float *rr, int ox, int act) {
    float v = bias + r0[i] * w[0] + r0[i + 1] * w[1] + r0[i + 2] * w[2] + r1[i] * w[3] + r1[i + 1] * w[4]
        + r1[i + 2] * w[5] + r2[i] * w[6] + r2[i + 1] * w[7] + r2[i + 2] * w[8];
    if (rr) v += rr[ox];
    if (act) v = v > 0 ? v : 0;
    if (act == 2) v = v < 6 ? v : 6;
    return v;
}

AVX2 static inline void store8(float *y, __m256 acc, const float *rr, int act) {
    if (rr) acc = _mm256_add_ps(acc, _mm256_loadu_ps(rr));
    if (act) acc = _mm256_max_ps(acc, _mm256_setzero_ps());
    if (act == 2) acc = _mm256_min_ps(acc, _mm256_set1_ps(6));
    _mm256_storeu_ps(y, acc);
}

AVX2 static void plane3x3(const float *xp, long wp, const float *w, float bias, const float *residual, int act, float *y,
                          int oh, int ow, int stride) {
    const __m256 zero = _mm256_setzero_ps(), six = _mm256_set1_ps(6), b = _mm256_set1_ps(bias);
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
            int ox = 0;
            for (; ox + 8 <= ow; ox += 8) {
                __m256 a0 = b, a1 = b;
#pragma clang loop unroll(full)
                for (int j = 0; j < 4; j++)
#pragma clang loop unroll(full)
                    for (int t = 0; t < 3; t++) {
                        const __m256 v = _mm256_loadu_ps(r[j] + ox + t);
                        if (j < 3) a0 = _mm256_fmadd_ps(v, k[3 * j + t], a0);
                        if (j > 0) a1 = _mm256_fmadd_ps(v, k[3 * (j - 1) + t], a1);
                    }
                store8(y0 + ox, a0, rr0 ? rr0 + ox : NULL, act);
                store8(y1 + ox, a1, rr1 ? rr1 + ox : NULL, act);
            }
            for (; ox < ow; ox++) {
                y0[ox] = tail1(r[0], r[1], r[2], ox, w, bias, rr0, ox, act);
                y1[ox] = tail1(r[1], r[2], r[3], ox, w, bias, rr1, ox, act);
            }
        }
    }
    for (int oy = oy0; oy < oh; oy++) {
        const float *r0 = xp + (long)oy * stride * wp, *r1 = r0 + wp, *r2 = r1 + wp;
        float *yr = y + (long)oy * ow;
        const float *rr = residual ? residual + (long)oy * ow : NULL;
        int ox = 0;
        for (; ox + 8 <= ow; ox += 8) {
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
            if (rr) acc = _mm256_add_ps(acc, _mm256_loadu_ps(rr + ox));
            if (act) acc = _mm256_max_ps(acc, zero);
            if (act == 2) acc = _mm256_min_ps(acc, six);
            _mm256_storeu_ps(yr + ox, acc);
        }
        for (; ox < ow; ox++) yr[ox] = tail1(r0, r1, r2, (long)ox * stride, w, bias, rr, ox, act);
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
        plane3x3(buffer, wp, w + ch * 9, bias ? bias[ch] : 0, residual ? residual + at : NULL, activation, y + at, oh, ow, s);
    }
}
