// int8 convolution (see CKernels.h, "int8"): u8 activations with a zero point times
// s8 weights, summed in s32. The micro-kernel computes a 4-channel × 16-pixel tile:
// the activations of 16 output pixels are packed (im2col fused into the packing of
// each cache block) as groups of four depth entries per pixel, so one ymm holds
// 8 pixels × 4 bytes; each channel's four weights are broadcast as one dword.
// That kernel is bound by the multiply ports (vpmaddubsw + vpmaddwd per 32 products),
// not by loads, so a larger register tile measured no faster on Zen 3; the time
// around it (packing, quantising, partial tiles) is what the layout below trims.
// With AVX-512 VNNI, pairs of channel panels run over pairs of pixel tiles in zmm
// registers (kernel_vnni512): on a Xeon (Emerald Rapids) that took ResNet-18 int8
// from 87–94 to 121–127 img/s at batch 16 and from 68–80 to 128–156 at batch 1.
// With AMX, groups of 16 channels go to the tile unit (kernel_amx), which reads
// the same packed activations: there 155–183 img/s at batch 16 against 116–165
// with RETICLE_AMX=off in alternating runs.
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
#include <cpuid.h>
#include <immintrin.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#define QM 4   // output channels per weight panel
#define QN 16  // output pixels per micro-tile (two ymm of 8)
#define VNNI __attribute__((target("avx2,fma,avx512f,avx512vl,avx512vnni")))

static int padded_channels(int channels) { return (channels + 3) & ~3; }

static int amx_available(void);

// The panels rk_q8_conv's AVX2 and VNNI kernels read.
static size_t panel_bytes(int out_channels, int channels, int taps) {
    return (size_t)((out_channels + QM - 1) / QM) * (size_t)(taps * padded_channels(channels) / 4) * QM * 4;
}

// AMX (Sapphire Rapids and later): the weights again as 16 × 64-byte tiles, 16 output channels × 16 depth groups of
// 4, one tile per (16-channel group, depth block), zero past the last channel and depth group.
#define AMX_TILE 1024
static int amx_blocks(int channels, int taps) { return (taps * padded_channels(channels) / 4 + 15) / 16; }
static size_t amx_bytes(int out_channels, int channels, int taps) {
    return (size_t)((out_channels + 15) / 16) * amx_blocks(channels, taps) * AMX_TILE;
}

size_t rk_q8_packed_bytes(int out_channels, int channels, int taps) {
    return panel_bytes(out_channels, channels, taps) + (amx_available() ? amx_bytes(out_channels, channels, taps) : 0);
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
    if (!amx_available()) return;
    int8_t *amx = packed + panel_bytes(out_channels, channels, taps);
    const int blocks = amx_blocks(channels, taps);
    for (int oc = 0; oc < out_channels; oc++)
        for (int ch = 0; ch < channels; ch++)
            for (int t = 0; t < taps; t++) {
                const int k = t * cp + ch, g = k / 4;
                amx[((size_t)(oc / 16) * blocks + g / 16) * AMX_TILE + (oc % 16) * 64 + (g % 16) * 4 + k % 4] =
                    w[((size_t)oc * channels + ch) * taps + t];
            }
}

// 32 values quantised into one ymm of codes, in order.
// The u8 code of 8 values as s32 lanes: the one definition every quantising path uses (rk_q8_quantize, the NHWC
// quantisation, the requantising epilogue), so their codes agree bit for bit.
AVX2 static inline __attribute__((always_inline)) __m256i quantize8(__m256 x, __m256 inv, __m256 zp) {
    __m256 t = _mm256_add_ps(_mm256_mul_ps(x, inv), zp);
    // max(t, 0) first: a NaN becomes 0 (maxps returns its second operand when one is NaN).
    t = _mm256_min_ps(_mm256_max_ps(t, _mm256_setzero_ps()), _mm256_set1_ps(255));
    return _mm256_cvtps_epi32(t);  // round to nearest, ties to even (MXCSR default)
}

AVX2 static inline __m256i quantize32(const float *x, __m256 inv, __m256 zp) {
    __m256i r[4];
    for (int j = 0; j < 4; j++) r[j] = quantize8(_mm256_loadu_ps(x + 8 * j), inv, zp);
    const __m256i w16 = _mm256_packus_epi32(r[0], r[1]), x16 = _mm256_packus_epi32(r[2], r[3]);
    return _mm256_permutevar8x32_epi32(_mm256_packus_epi16(w16, x16), _mm256_setr_epi32(0, 4, 1, 5, 2, 6, 3, 7));
}

void rk_q8_quantize(const float *x, long count, float inv_scale, int zero_point, uint8_t *q, int part, int parts) {
    // Parts split the values in runs of 32, so every part but the last works on whole vectors.
    const long vectors = count / 32;
    const long v0 = vectors * part / parts, v1 = vectors * (part + 1) / parts;
    const __m256 inv = _mm256_set1_ps(inv_scale), zp = _mm256_set1_ps((float)zero_point);
    for (long v = v0; v < v1; v++) _mm256_storeu_si256((__m256i *)(q + v * 32), quantize32(x + v * 32, inv, zp));
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

// 8×8 transpose of dwords: r[i] holds dwords 0…7 of row i; afterwards r[k] holds dword k of rows 0…7.
AVX2 static inline void transpose8x8_epi32(__m256i r[8]) {
    __m256i t[8], u[8];
    for (int i = 0; i < 8; i += 2) { t[i] = _mm256_unpacklo_epi32(r[i], r[i + 1]); t[i + 1] = _mm256_unpackhi_epi32(r[i], r[i + 1]); }
    for (int i = 0; i < 8; i += 4) {
        u[i] = _mm256_unpacklo_epi64(t[i], t[i + 2]); u[i + 1] = _mm256_unpackhi_epi64(t[i], t[i + 2]);
        u[i + 2] = _mm256_unpacklo_epi64(t[i + 1], t[i + 3]); u[i + 3] = _mm256_unpackhi_epi64(t[i + 1], t[i + 3]);
    }
    for (int i = 0; i < 4; i++) { r[i] = _mm256_permute2x128_si256(u[i], u[i + 4], 0x20); r[i + 4] = _mm256_permute2x128_si256(u[i], u[i + 4], 0x31); }
}

AVX2 void rk_q8_quantize_nhwc(const float *x, int batch, int channels, long plane, float inv_scale, int zero_point,
                              uint8_t *q, int part, int parts) {
    // Blocks of 32 pixels: each channel's 32 values are quantised into a ymm, four of them are interleaved bytewise into
    // the pixels' dwords, and eight such dword groups (32 channels) are transposed so that each pixel's 32 bytes go out in
    // one store; fewer than eight groups or a short block go out a dword at a time. The padding channels hold the zero
    // point (their weights are 0). Parts split the (image, block) pairs.
    const int cp = padded_channels(channels), g4 = cp / 4;
    const long blocks = (plane + 31) / 32, units = (long)batch * blocks;
    const long u0 = units * part / parts, u1 = units * (part + 1) / parts;
    uint8_t rows[4][32] __attribute__((aligned(32))) = {{0}};
    const __m256 inv = _mm256_set1_ps(inv_scale), zp = _mm256_set1_ps((float)zero_point);
    const __m256i zrow = _mm256_set1_epi8((char)zero_point);
    for (long u = u0; u < u1; u++) {
        const long n = u / blocks, i0 = (u % blocks) * 32;
        const int m = plane - i0 < 32 ? (int)(plane - i0) : 32;
        uint8_t *dst = q + (n * plane + i0) * cp;
        for (int g0 = 0; g0 < g4; g0 += 8) {
            const int gs = g4 - g0 < 8 ? g4 - g0 : 8;
            // pix[g][k]: the dwords of group g0 + g for pixels 4k…4k+3 (low lane) and 16+4k…16+4k+3 (high lane).
            __m256i pix[8][4];
            for (int g = 0; g < gs; g++) {
                __m256i qr[4];
                for (int r = 0; r < 4; r++) {
                    const int ch = 4 * (g0 + g) + r;
                    if (ch >= channels) { qr[r] = zrow; continue; }
                    const float *src = x + (n * channels + ch) * plane + i0;
                    if (m == 32) { qr[r] = quantize32(src, inv, zp); continue; }
                    rk_q8_quantize(src, m, inv_scale, zero_point, rows[r], 0, 1);  // a short block: the scalar tail
                    qr[r] = _mm256_load_si256((const __m256i *)rows[r]);
                }
                const __m256i q0 = qr[0], q1 = qr[1], q2 = qr[2], q3 = qr[3];
                const __m256i lo01 = _mm256_unpacklo_epi8(q0, q1), hi01 = _mm256_unpackhi_epi8(q0, q1);
                const __m256i lo23 = _mm256_unpacklo_epi8(q2, q3), hi23 = _mm256_unpackhi_epi8(q2, q3);
                pix[g][0] = _mm256_unpacklo_epi16(lo01, lo23); pix[g][1] = _mm256_unpackhi_epi16(lo01, lo23);
                pix[g][2] = _mm256_unpacklo_epi16(hi01, hi23); pix[g][3] = _mm256_unpackhi_epi16(hi01, hi23);
            }
            if (gs == 8 && m == 32) {
                for (int k = 0; k < 4; k++) {
                    __m256i r[8];
                    for (int g = 0; g < 8; g++) r[g] = pix[g][k];
                    transpose8x8_epi32(r);
                    for (int l = 0; l < 8; l++) {
                        const int pixel = l < 4 ? 4 * k + l : 16 + 4 * k + l - 4;
                        _mm256_storeu_si256((__m256i *)(dst + (size_t)pixel * cp + 4 * g0), r[l]);
                    }
                }
            } else {
                for (int g = 0; g < gs; g++) {
                    uint32_t t[4][8];
                    for (int k = 0; k < 4; k++) _mm256_storeu_si256((__m256i *)t[k], pix[g][k]);
                    for (int k = 0; k < 4; k++)
                        for (int l = 0; l < 8; l++) {
                            const int pixel = l < 4 ? 4 * k + l : 16 + 4 * k + l - 4;
                            if (pixel < m) memcpy(dst + (size_t)pixel * cp + 4 * (g0 + g), &t[k][l], 4);
                        }
                }
            }
        }
    }
}

// Packs the im2col columns of `count` pixels from pixel q0 of the whole batch (blocks run across images, so small late
// planes fill whole tiles) from NHWC u8 input with C₄ channels, padded to a multiple of QN pixels:
// dst[j / QN][k / 4][j % QN][k % 4] with k = tap·C₄ + c. With k tap-major, one kernel row of one pixel (kW taps × C₄
// channels, undilated) is one contiguous run of the input and of k, so eight pixels × eight dwords of their runs are
// loaded as rows and transposed in registers, and the destination is written in whole 32-byte runs. A run that
// crosses the left or right border is first assembled in `stage` (run bytes per pixel); rows above or below the input
// and the pixels past `count` read `zrow` (run bytes of the zero point), which stands for 0.0.
AVX2 static void pack_columns(const rk_conv *c, const uint8_t *x, const uint8_t *zrow, uint8_t *stage, long q0, int count,
                              int k4, uint8_t *dst) {
    const int tiles = (count + QN - 1) / QN, cp = padded_channels(c->channels), g4 = cp / 4;
    const long plane = (long)c->out_height * c->out_width;
    // Dilated rows are not contiguous: then every tap is a run of its own.
    const int span = c->dilation_w == 1 ? c->kernel_w : 1, runs_per_row = c->kernel_w / span;
    const int run = span * g4, run8 = run & ~7, rest = run - run8;
    const __m256i rest_mask = _mm256_cmpgt_epi32(_mm256_set1_epi32(rest), _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7));
    for (int t = 0; t < tiles; t++) {
        const uint8_t *image[QN];
        int ih0[QN], iw0[QN];
        // The tile's first pixel is divided out once; the others step through (image, row, column), no divisions.
        const long first = q0 + (long)t * QN;
        long n = first / plane;
        int oh = (int)(first % plane) / c->out_width, ow = (int)(first % plane) % c->out_width;
        for (int j = 0; j < QN; j++) {
            if (t * QN + j >= count) { image[j] = NULL; ih0[j] = iw0[j] = 0; continue; }
            image[j] = x + n * c->input_image_stride;
            ih0[j] = oh * c->stride_h - c->pad_h;
            iw0[j] = ow * c->stride_w - c->pad_w;
            if (++ow == c->out_width) { ow = 0; if (++oh == c->out_height) { oh = 0; n++; } }
        }
        uint32_t *d = (uint32_t *)dst + (size_t)t * k4 * QN;
        for (int kh = 0; kh < c->kernel_h; kh++)
            for (int r = 0; r < runs_per_row; r++) {
                const uint8_t *src[QN];
                for (int j = 0; j < QN; j++) {
                    const int ih = ih0[j] + kh * c->dilation_h, iw = iw0[j] + r * c->dilation_w;
                    if (!image[j] || (unsigned)ih >= (unsigned)c->height) { src[j] = zrow; continue; }
                    const uint8_t *row = image[j] + (size_t)ih * c->width * cp;
                    if (iw >= 0 && iw + span <= c->width) { src[j] = row + (size_t)iw * cp; continue; }
                    uint8_t *sj = stage + (size_t)j * run * 4;
                    for (int s = 0; s < span; s++)
                        if ((unsigned)(iw + s) < (unsigned)c->width) memcpy(sj + s * cp, row + (size_t)(iw + s) * cp, cp);
                        else memcpy(sj + s * cp, zrow, cp);
                    src[j] = sj;
                }
                uint32_t *o = d + (size_t)(kh * runs_per_row + r) * run * QN;
                for (int h = 0; h < 2; h++) {
                    for (int g = 0; g < run8; g += 8) {
                        __m256i v[8];
                        for (int i = 0; i < 8; i++) v[i] = _mm256_loadu_si256((const __m256i *)(src[8 * h + i] + 4 * g));
                        transpose8x8_epi32(v);
                        for (int k = 0; k < 8; k++) _mm256_storeu_si256((__m256i *)(o + (size_t)(g + k) * QN + 8 * h), v[k]);
                    }
                    if (rest) {
                        __m256i v[8];
                        for (int i = 0; i < 8; i++) v[i] = _mm256_maskload_epi32((const int *)(src[8 * h + i] + 4 * run8), rest_mask);
                        transpose8x8_epi32(v);
                        for (int k = 0; k < rest; k++) _mm256_storeu_si256((__m256i *)(o + (size_t)(run8 + k) * QN + 8 * h), v[k]);
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

// Two weight panels (8 channels) × two pixel tiles (32 pixels) in 512-bit registers: 16 accumulators, so the 5-cycle
// vpdpbusd latency is covered on both ports (the 256-bit kernel above keeps 8 in flight on half the width); each
// 64-byte load is one tile's 16 pixels × 4 depth bytes, exactly the packed layout. acc[panel][tile] as the 256-bit
// kernels return it (lanes 0–7, 8–15), with the same s32 sums.
#define VNNI512 __attribute__((target("avx2,fma,avx512f,avx512vl,avx512bw,avx512vnni")))
VNNI512 static void kernel_vnni512(int k4, const uint8_t *a, const int8_t *w, __m256i acc[2][2][QM][2]) {
    __m512i s[2][2][QM];
    for (int p = 0; p < 2; p++)
        for (int t = 0; t < 2; t++)
            for (int m = 0; m < QM; m++) s[p][t][m] = _mm512_setzero_si512();
    const uint8_t *a1 = a + (size_t)k4 * QN * 4;
    const int8_t *w1 = w + (size_t)k4 * QM * 4;
    for (int g = 0; g < k4; g++) {
        const __m512i x0 = _mm512_loadu_si512(a + (size_t)g * QN * 4), x1 = _mm512_loadu_si512(a1 + (size_t)g * QN * 4);
#pragma clang loop unroll(full)
        for (int m = 0; m < QM; m++) {
            int32_t d0, d1;
            memcpy(&d0, w + (size_t)g * QM * 4 + 4 * m, 4);
            memcpy(&d1, w1 + (size_t)g * QM * 4 + 4 * m, 4);
            const __m512i b0 = _mm512_set1_epi32(d0), b1 = _mm512_set1_epi32(d1);
            s[0][0][m] = _mm512_dpbusd_epi32(s[0][0][m], x0, b0);
            s[0][1][m] = _mm512_dpbusd_epi32(s[0][1][m], x1, b0);
            s[1][0][m] = _mm512_dpbusd_epi32(s[1][0][m], x0, b1);
            s[1][1][m] = _mm512_dpbusd_epi32(s[1][1][m], x1, b1);
        }
    }
    for (int p = 0; p < 2; p++)
        for (int t = 0; t < 2; t++)
            for (int m = 0; m < QM; m++) {
                acc[p][t][m][0] = _mm512_castsi512_si256(s[p][t][m]);
                acc[p][t][m][1] = _mm512_extracti64x4_epi64(s[p][t][m], 1);
            }
}

static int vnni_detected = -1;

int rk_q8_isa(void) {
    int v = __atomic_load_n(&vnni_detected, __ATOMIC_RELAXED);
    if (v < 0) {
        __builtin_cpu_init();
        v = __builtin_cpu_supports("avx512vnni") && __builtin_cpu_supports("avx512vl") && __builtin_cpu_supports("avx512bw")
            ? 1 : 0;
        __atomic_store_n(&vnni_detected, v, __ATOMIC_RELAXED);
    }
    // rk_isa() is 1 when RETICLE_KERNELS=avx2 or a test forces the AVX2 kernels: then no VNNI either.
    return v && rk_isa() == 2 ? 2 : 1;
}

static int amx_detected = -1, amx_declined = 0;

// Whether the tile unit can be used at all: what packing goes by, so weights packed while a test declines AMX or
// forces AVX2 still carry the tiles a later call may read.
static int amx_available(void) {
    int v = __atomic_load_n(&amx_detected, __ATOMIC_RELAXED);
    if (v < 0) {
        // CPUID.(7,0):EDX bit 24 AMX-TILE, bit 25 AMX-INT8; Linux hands out the tile state only on request
        // (arch_prctl ARCH_REQ_XCOMP_PERM for XFEATURE_XTILEDATA), once per process. RETICLE_AMX=off declines it.
        unsigned a, b, c, d;
        const char *choice = getenv("RETICLE_AMX");
        v = __get_cpuid_count(7, 0, &a, &b, &c, &d) && (d >> 24 & 1) && (d >> 25 & 1)
            && !(choice && strcmp(choice, "off") == 0) && syscall(SYS_arch_prctl, 0x1023, 18) == 0;
        __atomic_store_n(&amx_detected, v, __ATOMIC_RELAXED);
    }
    return v;
}

int rk_q8_amx(void) {
    return amx_available() && !__atomic_load_n(&amx_declined, __ATOMIC_RELAXED) && rk_q8_isa() == 2;
}

void rk_q8_decline_amx(int on) { __atomic_store_n(&amx_declined, on, __ATOMIC_RELAXED); }

#define AMX __attribute__((target("amx-tile,amx-int8,avx2,avx512f,avx512vl,avx512bw")))

typedef struct {
    uint8_t palette, start_row, reserved[14];
    uint16_t colsb[16];
    uint8_t rows[16];
} amx_config;

// Tiles 0, 1: the sums of two pixel tiles (16 channels × 16 pixels, s32); 2: a weight tile; 3, 4: activation tiles.
AMX static void amx_configure(void) {
    amx_config cfg;
    memset(&cfg, 0, sizeof cfg);
    cfg.palette = 1;
    for (int i = 0; i < 5; i++) { cfg.rows[i] = 16; cfg.colsb[i] = 64; }
    _tile_loadconfig(&cfg);
}

AMX static void amx_release(void) { _tile_release(); }

// out[tile][channel][pixel] for 16 channels over one or two 16-pixel tiles (b1 NULL: one): tdpbsud multiplies the s8
// weight tile (rows = channels, 16 depth groups of 4 bytes each) by the packed activations as they are (rows = depth
// groups, 16 pixels × 4 bytes), the depth past the last group meeting zero weights. Exact s32 sums, as the others.
AMX static void kernel_amx(int blocks, const int8_t *w, const uint8_t *b0, const uint8_t *b1, int32_t *out) {
    _tile_zero(0);
    _tile_zero(1);
    for (int kb = 0; kb < blocks; kb++) {
        _tile_loadd(2, w + (size_t)kb * AMX_TILE, 64);
        _tile_loadd(3, b0 + (size_t)kb * AMX_TILE, 64);
        _tile_dpbsud(0, 2, 3);
        if (b1) {
            _tile_loadd(4, b1 + (size_t)kb * AMX_TILE, 64);
            _tile_dpbsud(1, 2, 4);
        }
    }
    _tile_stored(0, out, 64);
    if (b1) _tile_stored(1, out + 256, 64);
}

// Writes lanes j0…j1−1 of one tile (consecutive pixels of one image; `offset` is lane j0's index in y's layout):
// acc − zp·Σw per channel, as s32 into acc_out, or dequantised (· scale[oc]) with bias, residual and the activation
// into y. Lanes of a half that is only partly written go through a spill, with the same operations in the same order.
// scale · (sum − zp·Σw) + bias: the fp32 value of 8 lanes of one output channel, before residual and activation.
AVX2 static inline __attribute__((always_inline)) __m256 dequantize8(__m256i s, float scale, const float *bias, int oc) {
    __m256 v = _mm256_mul_ps(_mm256_cvtepi32_ps(s), _mm256_set1_ps(scale));
    return bias ? _mm256_add_ps(v, _mm256_set1_ps(bias[oc])) : v;
}

AVX2 static inline __attribute__((always_inline)) __m256 activate8(__m256 v, int act) {
    if (act) v = _mm256_max_ps(v, _mm256_setzero_ps());
    return act == 2 ? _mm256_min_ps(v, _mm256_set1_ps(6)) : v;
}

AVX2 static inline __attribute__((always_inline)) void store_tile(const rk_conv *c, __m256i acc[QM][2], int oc0, int zero_point, const int32_t *wsum,
                            const float *scale, const float *bias, const float *residual, int act, float *y,
                            int32_t *acc_out, long offset, int j0, int j1) {
    const long plane = (long)c->out_height * c->out_width;
    for (int m = 0; m < QM && oc0 + m < c->out_channels; m++) {
        const int oc = oc0 + m;
        const __m256i comp = _mm256_set1_epi32(zero_point * wsum[oc]);
        const long at = offset + oc * plane - j0;  // index of lane 0 (lanes below j0 are never addressed)
        for (int h = 0; h < 2; h++) {
            const int lo = j0 > 8 * h ? j0 : 8 * h, hi = j1 < 8 * h + 8 ? j1 : 8 * h + 8;
            if (lo >= hi) continue;
            const int whole = lo == 8 * h && hi == 8 * h + 8;
            const __m256i s = _mm256_sub_epi32(acc[m][h], comp);
            if (acc_out) {
                if (whole) _mm256_storeu_si256((__m256i *)(acc_out + at + 8 * h), s);
                else { int32_t t[8]; _mm256_storeu_si256((__m256i *)t, s); for (int i = lo; i < hi; i++) acc_out[at + i] = t[i - 8 * h]; }
                continue;
            }
            __m256 v = dequantize8(s, scale[oc], bias, oc);
            if (whole) {
                if (residual) v = _mm256_add_ps(v, _mm256_loadu_ps(residual + at + 8 * h));
                _mm256_storeu_ps(y + at + 8 * h, activate8(v, act));
            } else {
                float t[8];
                _mm256_storeu_ps(t, v);
                for (int i = lo; i < hi; i++) {
                    float r = t[i - 8 * h] + (residual ? residual[at + i] : 0);
                    if (act) r = r > 0 ? r : 0;
                    if (act == 2) r = r < 6 ? r : 6;
                    y[at + i] = r;
                }
            }
        }
    }
}

// Writes lanes 0…valid−1 of one tile requantised into the next convolution's input codes: u8 NHWC with C₄ channels
// (pixel q of the batch at yq + q·C₄, so a tile that crosses images needs no split). The fp32 value of each lane is
// computed by store_tile's helpers (no residual), then quantised by quantize8 as rk_q8_quantize_nhwc is: the codes equal
// rk_q8_quantize_nhwc of what rk_q8_conv would have stored, bit for bit. One panel's 4 channels are one dword per
// pixel: the 4 × 16 codes are packed to bytes and transposed in registers, and the channels past C_out (the last
// panel's padding) get the output zero point, as rk_q8_quantize_nhwc writes them.
AVX2 static inline __attribute__((always_inline)) void store_tile_q8(const rk_conv *c, __m256i acc[QM][2], int oc0, int zero_point,
                            const int32_t *wsum, const float *scale, const float *bias, int act, __m256 inv, __m256 ozp,
                            int out_zero_point, uint8_t *yq, long first, int valid) {
    const int cpo = padded_channels(c->out_channels);
    __m256i code[QM][2];
    for (int m = 0; m < QM; m++) {
        const int oc = oc0 + m;
        if (oc >= c->out_channels) { code[m][0] = code[m][1] = _mm256_set1_epi32(out_zero_point); continue; }
        const __m256i comp = _mm256_set1_epi32(zero_point * wsum[oc]);
        for (int h = 0; h < 2; h++)
            code[m][h] = quantize8(activate8(dequantize8(_mm256_sub_epi32(acc[m][h], comp), scale[oc], bias, oc), act), inv, ozp);
    }
    // Per 128-bit lane, packing gives the bytes [ch0 p0…3, ch1 p0…3, ch2 p0…3, ch3 p0…3]; the shuffle transposes that
    // 4 × 4 so each pixel's 4 channels are one dword: lane 0 holds pixels 0…3 of the half, lane 1 pixels 4…7.
    const __m256i to_pixels = _mm256_setr_epi8(0, 4, 8, 12, 1, 5, 9, 13, 2, 6, 10, 14, 3, 7, 11, 15,
                                               0, 4, 8, 12, 1, 5, 9, 13, 2, 6, 10, 14, 3, 7, 11, 15);
    uint32_t d[QN];
    for (int h = 0; h < 2; h++) {
        const __m256i a = _mm256_packus_epi32(code[0][h], code[1][h]), b = _mm256_packus_epi32(code[2][h], code[3][h]);
        _mm256_storeu_si256((__m256i *)(d + 8 * h), _mm256_shuffle_epi8(_mm256_packus_epi16(a, b), to_pixels));
    }
    uint8_t *dst = yq + (size_t)first * cpo + oc0;
    if (valid == QN) {
#pragma clang loop unroll(full)
        for (int j = 0; j < QN; j++) memcpy(dst + (size_t)j * cpo, &d[j], 4);
    } else {
        for (int j = 0; j < valid; j++) memcpy(dst + (size_t)j * cpo, &d[j], 4);
    }
}

// Writes one tile's sums: `valid` pixels from pixel `first` of the batch, as requantised codes (yq), or through
// store_tile, image by image when the tile runs over the end of one.
AVX2 static inline __attribute__((always_inline)) void emit_tile(
    const rk_conv *c, __m256i acc[QM][2], int oc0, int zero_point, const int32_t *wsum, const float *scale,
    const float *bias, const float *residual, int activation, float *y, int32_t *acc_out, __m256 out_inv, __m256 out_zp,
    int out_zero_point, uint8_t *yq, int plane, long first, int valid) {
    if (yq) {
        store_tile_q8(c, acc, oc0, zero_point, wsum, scale, bias, activation, out_inv, out_zp, out_zero_point, yq, first,
                      valid);
        return;
    }
    const int at0 = (int)(first % plane);
    if (valid == QN && at0 + QN <= plane) {  // the common whole tile, with the lane range known here
        store_tile(c, acc, oc0, zero_point, wsum, scale, bias, residual, activation, y, acc_out,
                   (first / plane) * c->output_image_stride + at0, 0, QN);
        return;
    }
    for (int j = 0; j < valid;) {
        const long q = first + j;
        const int at = (int)(q % plane), run = valid - j < plane - at ? valid - j : plane - at;
        store_tile(c, acc, oc0, zero_point, wsum, scale, bias, residual, activation, y, acc_out,
                   (q / plane) * c->output_image_stride + at, j, j + run);
        j += run;
    }
}

// The loop of rk_q8_conv and rk_q8_conv_requantize: y/acc_out as rk_q8_conv, or with yq non-NULL the requantised codes.
AVX2 static void q8_conv(const rk_conv *c, const uint8_t *x, int zero_point, const int8_t *packed_w, const int32_t *wsum,
                         const float *scale, const float *bias, const float *residual, int activation, float *y,
                         int32_t *acc_out, float out_inv_scale, int out_zero_point, uint8_t *yq, int part, int parts) {
    const int cp = padded_channels(c->channels), taps = c->kernel_h * c->kernel_w, k4 = taps * cp / 4;
    const int plane = c->out_height * c->out_width, panels = (c->out_channels + QM - 1) / QM;
    const long pixels = (long)c->batch * plane;
    if (pixels <= 0) return;
    // Pixel blocks of up to 256 whose packed columns stay in L2 (≤ 192 KiB) while every weight panel sweeps them.
    int block = 196608 / (k4 * 4) / QN * QN;
    block = block < 64 ? 64 : block > 256 ? 256 : block;
    const long units = (pixels + block - 1) / block;
    // Few pixel blocks (batch 1, late layers): the output channels are split too, so every part has work.
    int chunks = 1;
    while (units * chunks < 2L * parts && chunks < panels) chunks *= 2;
    if (chunks > panels) chunks = panels;
    const long total = units * chunks, u0 = total * part / parts, u1 = total * (part + 1) / parts;
    if (u0 >= u1) return;
    const int wide = rk_q8_isa() == 2;  // VNNI: the 512-bit kernel for pairs, the 256-bit one for the rest
    const q8_kernel_fn kernel = wide ? kernel_vnni : kernel_avx2;
    const __m256 out_inv = _mm256_set1_ps(out_inv_scale), out_zp = _mm256_set1_ps((float)out_zero_point);
    // Scratch: the packed columns, a row of the zero point and the staging rows of pack_columns (one run per pixel).
    const size_t col_bytes = (size_t)block * k4 * 4, run_bytes = (size_t)(c->dilation_w == 1 ? c->kernel_w : 1) * cp;
    // AMX reads whole depth blocks of 16 groups: up to one tile past the last tile's columns (times zero weights).
    const int amx = rk_q8_amx() && c->out_channels >= 16;
    const size_t slack = amx ? AMX_TILE : 0;
    uint8_t *cols = (uint8_t *)rk_scratch(0, (col_bytes + slack + (QN + 1) * run_bytes + 3) / 4);
    if (!cols) abort();
    uint8_t *zrow = cols + col_bytes + slack, *stage = zrow + run_bytes;
    memset(zrow, zero_point, run_bytes);
    memset(cols + col_bytes, 0, slack);  // what AMX reads past the columns meets zero weights; defined all the same
    long packed_unit = -1;
    if (amx) amx_configure();
    for (long u = u0; u < u1; u++) {
        const long unit = u / chunks, q0 = unit * block;
        const int chunk = (int)(u % chunks), count = pixels - q0 < block ? (int)(pixels - q0) : block;
        if (unit != packed_unit) {
            pack_columns(c, x, zrow, stage, q0, count, k4, cols);
            packed_unit = unit;
        }
        const int pa = panels * chunk / chunks, pb = panels * (chunk + 1) / chunks, tiles = (count + QN - 1) / QN;
        // Writes tile t of panel p.
#define EMIT(p, t, acc) emit_tile(c, acc, (p) * QM, zero_point, wsum, scale, bias, residual, activation, y, acc_out, \
                                  out_inv, out_zp, out_zero_point, yq, plane, q0 + (long)(t) * QN,                   \
                                  count - (t) * QN < QN ? count - (t) * QN : QN)
        for (int p = pa; p < pb;) {
            const int8_t *wp = packed_w + (size_t)p * k4 * QM * 4;
            if (amx && p % 4 == 0 && p + 4 <= pb) {  // 16 channels over pairs of tiles on the tile unit
                const int blocks = (k4 + 15) / 16;
                const int8_t *wa = packed_w + panel_bytes(c->out_channels, c->channels, taps)
                    + (size_t)(p / 4) * blocks * AMX_TILE;
                for (int t = 0; t < tiles; t += 2) {
                    int32_t out[2][16][16];
                    const int two = t + 1 < tiles;
                    kernel_amx(blocks, wa, cols + (size_t)t * k4 * QN * 4,
                               two ? cols + (size_t)(t + 1) * k4 * QN * 4 : NULL, &out[0][0][0]);
                    for (int j = 0; j <= two; j++)
                        for (int i = 0; i < 4; i++) {
                            __m256i acc[QM][2];
                            for (int m = 0; m < QM; m++)
                                for (int h = 0; h < 2; h++)
                                    acc[m][h] = _mm256_loadu_si256((const __m256i *)&out[j][4 * i + m][8 * h]);
                            EMIT(p + i, t + j, acc);
                        }
                }
                p += 4;
            } else if (wide && p + 2 <= pb && (!amx || p % 4 != 3)) {
                // Pairs of panels over pairs of tiles; a last odd tile on the 256-bit kernel. With AMX, a pair never
                // straddles a multiple of 4 panels, so the tile unit's groups stay aligned.
                int t = 0;
                for (; t + 2 <= tiles; t += 2) {
                    __m256i acc[2][2][QM][2];
                    kernel_vnni512(k4, cols + (size_t)t * k4 * QN * 4, wp, acc);
                    for (int i = 0; i < 2; i++)
                        for (int j = 0; j < 2; j++) EMIT(p + i, t + j, acc[i][j]);
                }
                for (; t < tiles; t++)
                    for (int i = 0; i < 2; i++) {
                        __m256i acc[QM][2];
                        kernel(k4, cols + (size_t)t * k4 * QN * 4, wp + (size_t)i * k4 * QM * 4, acc);
                        EMIT(p + i, t, acc);
                    }
                p += 2;
            } else {
                for (int t = 0; t < tiles; t++) {
                    __m256i acc[QM][2];
                    kernel(k4, cols + (size_t)t * k4 * QN * 4, wp, acc);
                    EMIT(p, t, acc);
                }
                p += 1;
            }
        }
#undef EMIT
    }
    if (amx) amx_release();
}

void rk_q8_conv(const rk_conv *c, const uint8_t *x, int zero_point, const int8_t *packed_w, const int32_t *wsum,
                const float *scale, const float *bias, const float *residual, int activation, float *y,
                int32_t *acc_out, int part, int parts) {
    q8_conv(c, x, zero_point, packed_w, wsum, scale, bias, residual, activation, y, acc_out, 1, 0, NULL, part, parts);
}

void rk_q8_conv_requantize(const rk_conv *c, const uint8_t *x, int zero_point, const int8_t *packed_w, const int32_t *wsum,
                           const float *scale, const float *bias, int activation, float out_inv_scale, int out_zero_point,
                           uint8_t *yq, int part, int parts) {
    q8_conv(c, x, zero_point, packed_w, wsum, scale, bias, NULL, activation, NULL, NULL, out_inv_scale, out_zero_point, yq,
            part, parts);
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
