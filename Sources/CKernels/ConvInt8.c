// int8 convolution (see CKernels.h, "int8"): u8 activations with a zero point times
// s8 weights, summed in s32. The micro-kernel computes a 4-channel × 16-pixel tile:
// the activations of 16 output pixels are packed (im2col fused into the packing of
// each cache block) as groups of four depth entries per pixel, so one ymm holds
// 8 pixels × 4 bytes; each channel's four weights are broadcast as one dword.
//
// AVX2 has no u8·s8 dot product into s32: vpmaddubsw multiplies and adds adjacent
// pairs into SATURATING s16, then vpmaddwd with ones widens to s32. A pair of
// 255 · 127 products (64 770) would saturate, so the weights are quantised to 7 bits
// (|w| ≤ 63, RK_Q8_WEIGHT_MAX): 2 · 255 · 63 = 32 130 fits, and the sums are exact.
// This is what ONNX Runtime's `reduce_range` and oneDNN's weight scale adjustment do
// on x86 without VNNI; the activations keep all 8 bits. With the same weights the
// VNNI path (vpdpbusd, no intermediate s16) gives the same s32 sums bit for bit.

#include "CKernels.h"
#include "KernelSupport.h"
#include <immintrin.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define QM 4   // output channels per weight panel
#define QN 16  // output pixels per micro-tile (two ymm of 8)
#define VNNI __attribute__((target("avx2,fma,avx512f,avx512vl,avx512vnni")))

static int padded_channels(int channels) { return (channels + 3) & ~3; }

size_t rk_q8_packed_bytes(int out_channels, int channels, int taps) {
    return (size_t)((out_channels + QM - 1) / QM) * (size_t)(taps * padded_channels(channels) / 4) * QM * 4;
}

void rk_q8_pack_weights(const int8_t *w, int out_channels, int channels, int taps, int8_t *packed, int32_t *wsum) {
    // Depth runs tap-major over channels padded to a multiple of 4 (k = tap·C₄ + c), as the NHWC activations do.
    const int cp = padded_channels(channels), k4 = taps * cp / 4;
    memset(packed, 0, rk_q8_packed_bytes(out_channels, channels, taps));
    for (int oc = 0; oc < out_channels; oc++) {
        int32_t s = 0;
        int8_t *panel = packed + (size_t)(oc / QM) * k4 * QM * 4;
        for (int ch = 0; ch < channels; ch++)
            for (int t = 0; t < taps; t++) {
                const int8_t v = w[((size_t)oc * channels + ch) * taps + t];
                const int k = t * cp + ch;
                panel[((size_t)(k / 4) * QM + oc % QM) * 4 + k % 4] = v;
                s += v;
            }
        wsum[oc] = s;
    }
}

void rk_q8_quantize(const float *x, long count, float inv_scale, int zero_point, uint8_t *q, int part, int parts) {
    // Parts split the values in runs of 32, so every part but the last works on whole vectors.
    const long vectors = count / 32;
    const long v0 = vectors * part / parts, v1 = vectors * (part + 1) / parts;
    const __m256 inv = _mm256_set1_ps(inv_scale), zp = _mm256_set1_ps((float)zero_point);
    const __m256 lo = _mm256_setzero_ps(), hi = _mm256_set1_ps(255);
    const __m256i order = _mm256_setr_epi32(0, 4, 1, 5, 2, 6, 3, 7);
    for (long v = v0; v < v1; v++) {
        __m256i r[4];
        for (int j = 0; j < 4; j++) {
            __m256 t = _mm256_add_ps(_mm256_mul_ps(_mm256_loadu_ps(x + v * 32 + 8 * j), inv), zp);
            // max(t, 0) first: a NaN becomes 0 (maxps returns its second operand when one is NaN).
            t = _mm256_min_ps(_mm256_max_ps(t, lo), hi);
            r[j] = _mm256_cvtps_epi32(t);  // round to nearest, ties to even (MXCSR default)
        }
        const __m256i w16 = _mm256_packus_epi32(r[0], r[1]), x16 = _mm256_packus_epi32(r[2], r[3]);
        _mm256_storeu_si256((__m256i *)(q + v * 32), _mm256_permutevar8x32_epi32(_mm256_packus_epi16(w16, x16), order));
    }
    if (part == parts - 1) {
        for (long i = vectors * 32; i < count; i++) {
            float t = x[i] * inv_scale;
            t = t + (float)zero_point;  // a separate statement: never contracted into an FMA, as in the vector path
            t = t > 0 ? t : 0;          // a NaN becomes 0
            t = t < 255 ? t : 255;
            q[i] = (uint8_t)_mm_cvtss_si32(_mm_set_ss(t));
        }
    }
}

void rk_q8_quantize_nhwc(const float *x, int batch, int channels, long plane, float inv_scale, int zero_point,
                         uint8_t *q, int part, int parts) {
    // Each channel plane is quantised 32 values at a time, then scattered to its place in the pixel rows; the padding
    // channels hold the zero point (their weights are 0).
    const int cp = padded_channels(channels);
    const long planes = (long)batch * cp, p0 = planes * part / parts, p1 = planes * (part + 1) / parts;
    uint8_t row[32];
    for (long pl = p0; pl < p1; pl++) {
        const long n = pl / cp;
        const int ch = (int)(pl % cp);
        uint8_t *dst = q + n * plane * cp + ch;
        if (ch >= channels) {
            for (long i = 0; i < plane; i++) dst[i * cp] = (uint8_t)zero_point;
            continue;
        }
        const float *src = x + (n * channels + ch) * plane;
        for (long i = 0; i < plane; i += 32) {
            const long m = plane - i < 32 ? plane - i : 32;
            rk_q8_quantize(src + i, m, inv_scale, zero_point, row, 0, 1);
            for (long j = 0; j < m; j++) dst[(i + j) * cp] = row[j];
        }
    }
}

// Packs the im2col columns of `count` pixels (from pixel p0 of one image's output plane) from NHWC u8 input with C₄
// channels, padded to a multiple of QN pixels: dst[j / QN][k / 4][j % QN][k % 4] with k = tap·C₄ + c, one dword (four
// channels) at a time. Taps outside the input (padding) take the zero point, so they stand for 0.0.
static void pack_columns(const rk_conv *c, const uint8_t *x, int zero_point, int p0, int count, int k4, uint8_t *dst) {
    const int tiles = (count + QN - 1) / QN, cp = padded_channels(c->channels), g4 = cp / 4;
    const uint32_t z = 0x01010101u * (uint8_t)zero_point;
    uint32_t *d = (uint32_t *)dst;
    for (int j = 0; j < tiles * QN; j++) {
        const int p = p0 + (j < count ? j : count - 1);
        const int ih0 = (p / c->out_width) * c->stride_h - c->pad_h, iw0 = (p % c->out_width) * c->stride_w - c->pad_w;
        uint32_t *col = d + (size_t)(j / QN) * k4 * QN + j % QN;
        for (int kh = 0; kh < c->kernel_h; kh++) {
            const int ih = ih0 + kh * c->dilation_h;
            for (int kw = 0; kw < c->kernel_w; kw++) {
                const int iw = iw0 + kw * c->dilation_w;
                uint32_t *o = col + (size_t)(kh * c->kernel_w + kw) * g4 * QN;
                if ((unsigned)ih < (unsigned)c->height && (unsigned)iw < (unsigned)c->width) {
                    const uint8_t *s = x + ((size_t)ih * c->width + iw) * cp;
                    for (int g = 0; g < g4; g++) memcpy(o + g * QN, s + 4 * g, 4);
                } else {
                    for (int g = 0; g < g4; g++) o[g * QN] = z;
                }
            }
        }
    }
}

typedef void (*q8_kernel_fn)(int k4, const uint8_t *a, const int8_t *w, __m256i acc[QM][2]);

AVX2 static void kernel_avx2(int k4, const uint8_t *a, const int8_t *w, __m256i acc[QM][2]) {
    const __m256i ones = _mm256_set1_epi16(1);
    __m256i s[QM][2];
    for (int m = 0; m < QM; m++) s[m][0] = s[m][1] = _mm256_setzero_si256();
    for (int g = 0; g < k4; g++) {
        const __m256i a0 = _mm256_loadu_si256((const __m256i *)a), a1 = _mm256_loadu_si256((const __m256i *)(a + 32));
#pragma clang loop unroll(full)
        for (int m = 0; m < QM; m++) {
            int32_t wd;
            memcpy(&wd, w + 4 * m, 4);
            const __m256i b = _mm256_set1_epi32(wd);
            s[m][0] = _mm256_add_epi32(s[m][0], _mm256_madd_epi16(_mm256_maddubs_epi16(a0, b), ones));
            s[m][1] = _mm256_add_epi32(s[m][1], _mm256_madd_epi16(_mm256_maddubs_epi16(a1, b), ones));
        }
        a += QN * 4; w += QM * 4;
    }
    for (int m = 0; m < QM; m++) { acc[m][0] = s[m][0]; acc[m][1] = s[m][1]; }
}

// Compiled for CPUs with AVX-512 VNNI (256-bit forms): vpdpbusd adds the four u8·s8 products into s32 directly.
VNNI static void kernel_vnni(int k4, const uint8_t *a, const int8_t *w, __m256i acc[QM][2]) {
    __m256i s[QM][2];
    for (int m = 0; m < QM; m++) s[m][0] = s[m][1] = _mm256_setzero_si256();
    for (int g = 0; g < k4; g++) {
        const __m256i a0 = _mm256_loadu_si256((const __m256i *)a), a1 = _mm256_loadu_si256((const __m256i *)(a + 32));
#pragma clang loop unroll(full)
        for (int m = 0; m < QM; m++) {
            int32_t wd;
            memcpy(&wd, w + 4 * m, 4);
            const __m256i b = _mm256_set1_epi32(wd);
            s[m][0] = _mm256_dpbusd_epi32(s[m][0], a0, b);
            s[m][1] = _mm256_dpbusd_epi32(s[m][1], a1, b);
        }
        a += QN * 4; w += QM * 4;
    }
    for (int m = 0; m < QM; m++) { acc[m][0] = s[m][0]; acc[m][1] = s[m][1]; }
}

static int vnni_detected = -1;

int rk_q8_isa(void) {
    int v = __atomic_load_n(&vnni_detected, __ATOMIC_RELAXED);
    if (v < 0) {
        __builtin_cpu_init();
        v = __builtin_cpu_supports("avx512vnni") && __builtin_cpu_supports("avx512vl") ? 1 : 0;
        __atomic_store_n(&vnni_detected, v, __ATOMIC_RELAXED);
    }
    // rk_isa() is 1 when RETICLE_KERNELS=avx2 or a test forces the AVX2 kernels: then no VNNI either.
    return v && rk_isa() == 2 ? 2 : 1;
}

// Writes one tile: acc − zp·Σw per channel, as s32 into acc_out, or dequantised (· scale[oc]) with bias, residual and
// the activation into y. `valid` pixels of the QN are written.
AVX2 static void store_tile(const rk_conv *c, __m256i acc[QM][2], int oc0, int zero_point, const int32_t *wsum,
                            const float *scale, const float *bias, const float *residual, int act, float *y,
                            int32_t *acc_out, long offset, int valid) {
    const long plane = (long)c->out_height * c->out_width;
    for (int m = 0; m < QM && oc0 + m < c->out_channels; m++) {
        const int oc = oc0 + m;
        const __m256i comp = _mm256_set1_epi32(zero_point * wsum[oc]);
        const long at = offset + oc * plane;
        for (int h = 0; h < 2; h++) {
            const int n = valid - 8 * h;
            if (n <= 0) break;
            const __m256i s = _mm256_sub_epi32(acc[m][h], comp);
            if (acc_out) {
                if (n >= 8) _mm256_storeu_si256((__m256i *)(acc_out + at + 8 * h), s);
                else { int32_t t[8]; _mm256_storeu_si256((__m256i *)t, s); memcpy(acc_out + at + 8 * h, t, 4 * n); }
                continue;
            }
            __m256 v = _mm256_mul_ps(_mm256_cvtepi32_ps(s), _mm256_set1_ps(scale[oc]));
            if (bias) v = _mm256_add_ps(v, _mm256_set1_ps(bias[oc]));
            if (n >= 8) {
                if (residual) v = _mm256_add_ps(v, _mm256_loadu_ps(residual + at + 8 * h));
                if (act) v = _mm256_max_ps(v, _mm256_setzero_ps());
                if (act == 2) v = _mm256_min_ps(v, _mm256_set1_ps(6));
                _mm256_storeu_ps(y + at + 8 * h, v);
            } else {
                float t[8];
                _mm256_storeu_ps(t, v);
                for (int i = 0; i < n; i++) {
                    float r = t[i] + (residual ? residual[at + 8 * h + i] : 0);
                    if (act) r = r > 0 ? r : 0;
                    if (act == 2) r = r < 6 ? r : 6;
                    y[at + 8 * h + i] = r;
                }
            }
        }
    }
}

void rk_q8_conv(const rk_conv *c, const uint8_t *x, int zero_point, const int8_t *packed_w, const int32_t *wsum,
                const float *scale, const float *bias, const float *residual, int activation, float *y,
                int32_t *acc_out, int part, int parts) {
    const int taps = c->kernel_h * c->kernel_w, k4 = taps * padded_channels(c->channels) / 4;
    const int plane = c->out_height * c->out_width, panels = (c->out_channels + QM - 1) / QM;
    // Pixel blocks of up to 256 whose packed columns stay in L2 (≤ 192 KiB) while every weight panel sweeps them.
    int block = 196608 / (k4 * 4) / QN * QN;
    block = block < 64 ? 64 : block > 256 ? 256 : block;
    const int blocks_per_image = (plane + block - 1) / block;
    const long units = (long)c->batch * blocks_per_image;
    // Few pixel blocks (batch 1, late layers): the output channels are split too, so every part has work.
    int chunks = 1;
    while (units * chunks < 2L * parts && chunks < panels) chunks *= 2;
    if (chunks > panels) chunks = panels;
    const long total = units * chunks, u0 = total * part / parts, u1 = total * (part + 1) / parts;
    if (u0 >= u1) return;
    const q8_kernel_fn kernel = rk_q8_isa() == 2 ? kernel_vnni : kernel_avx2;
    uint8_t *cols = (uint8_t *)rk_scratch(0, ((size_t)block * k4 * 4 + 3) / 4);
    if (!cols) abort();
    long packed_unit = -1;
    for (long u = u0; u < u1; u++) {
        const long unit = u / chunks;
        const int chunk = (int)(u % chunks);
        const int n = (int)(unit / blocks_per_image), p0 = (int)(unit % blocks_per_image) * block;
        const int count = plane - p0 < block ? plane - p0 : block;
        if (unit != packed_unit) {
            pack_columns(c, x + (size_t)n * c->input_image_stride, zero_point, p0, count, k4, cols);
            packed_unit = unit;
        }
        const int pa = panels * chunk / chunks, pb = panels * (chunk + 1) / chunks;
        const long base = (long)n * c->output_image_stride + p0;
        for (int p = pa; p < pb; p++) {
            const int8_t *wp = packed_w + (size_t)p * k4 * QM * 4;
            for (int t = 0; t * QN < count; t++) {
                __m256i acc[QM][2];
                kernel(k4, cols + (size_t)t * k4 * QN * 4, wp, acc);
                const int valid = count - t * QN < QN ? count - t * QN : QN;
                store_tile(c, acc, p * QM, zero_point, wsum, scale, bias, residual, activation, y, acc_out,
                           base + t * QN, valid);
            }
        }
    }
}

void rk_q8_conv_reference(const rk_conv *c, const uint8_t *x, int zero_point, const int8_t *w, int32_t *acc) {
    const int taps = c->kernel_h * c->kernel_w, depth = c->channels * taps;
    for (int n = 0; n < c->batch; n++)
        for (int oc = 0; oc < c->out_channels; oc++)
            for (int oh = 0; oh < c->out_height; oh++)
                for (int ow = 0; ow < c->out_width; ow++) {
                    int32_t s = 0;
                    for (int k = 0; k < depth; k++) {
                        const int ch = k / taps, tap = k % taps;
                        const int ih = oh * c->stride_h - c->pad_h + (tap / c->kernel_w) * c->dilation_h;
                        const int iw = ow * c->stride_w - c->pad_w + (tap % c->kernel_w) * c->dilation_w;
                        if (ih < 0 || ih >= c->height || iw < 0 || iw >= c->width) continue;  // padding is 0.0
                        const int q = x[(size_t)n * c->input_image_stride + ((size_t)ch * c->height + ih) * c->width + iw];
                        s += (int32_t)w[(size_t)oc * depth + k] * (q - zero_point);
                    }
                    acc[(size_t)n * c->output_image_stride + ((size_t)oc * c->out_height + oh) * c->out_width + ow] = s;
                }
}
