// MobileNetV2's inverted residual block in one pass (see CKernels.h). Run layer by layer at batch 1 the block
// writes its expanded tensor (6× the input's channels) to memory, reads it back for the depthwise convolution,
// writes that and reads it again for the projection: at 112×112 that is 4.8 MB each way, past L2. Here a band of
// output rows is carried through all three steps while its rows are in cache: the expansion writes the band's input
// rows into a per-thread buffer (the rows the next band shares are moved to its front, not computed again), the
// depthwise kernel reads them through a small zero-padded plane, and the projection reads its result in place and
// writes the block's output rows with the shortcut added. The arithmetic is the layer-by-layer kernels' own (the
// GEMM micro-kernel and the depthwise plane), so results match them.

#include "CKernels.h"
#include "KernelSupport.h"
#include <stdlib.h>
#include <string.h>

#define MR RK_GEMM_PANEL
#define NR RK_GEMM_NR
#define TILES 4               // 48-column tiles that share each 8-row weight panel while it is in L1
#define BAND_FLOATS 49152     // the expanded rows of a band: 192 KB, with the depthwise result well inside L2

// c[m][0..count) = act(Σ_k a[m][k]·b[k][0..count) + bias[m] + r[m][·]) for m < M: a packed in panels of MR (K deep),
// b read in place with row stride ldb, c and r with row stride ldc (r may be NULL). A column tail is copied into
// `block` (K × NR, zero-padded) so nothing past b's rows is read; tails of rows or columns pass through `tile`.
static void gemm_rows(rk_gemm_kernel_fn kernel, int M, int K, const float *a, const float *b, long ldb, long count,
                      float *c, long ldc, const float *bias, const float *r, int act, float *block, float *tile) {
    for (long j0 = 0; j0 < count; j0 += TILES * NR) {
        const long span = count - j0 < TILES * NR ? count - j0 : TILES * NR;
        const int tiles = (int)((span + NR - 1) / NR), tail = (int)(span - (long)(tiles - 1) * NR);
        if (tail < NR) {
            const long at = j0 + (long)(tiles - 1) * NR;
            for (int k = 0; k < K; k++) {
                memcpy(block + (long)k * NR, b + k * ldb + at, sizeof(float) * tail);
                memset(block + (long)k * NR + tail, 0, sizeof(float) * (NR - tail));
            }
        }
        for (int m0 = 0; m0 < M; m0 += MR) {
            const float *am = a + (long)m0 * K;
            const int rows = M - m0 < MR ? M - m0 : MR;
            for (int t = 0; t < tiles; t++) {
                const long j = j0 + (long)t * NR;
                const int cols = t == tiles - 1 ? tail : NR;
                const float *bj = cols == NR ? b + j : block;
                const long ld = cols == NR ? ldb : NR;
                if (rows == MR && cols == NR) {
                    kernel(K, am, bj, ld, c + m0 * ldc + j, ldc, RK_GEMM_LAST, bias ? bias + m0 : NULL,
                           r ? r + m0 * ldc + j : NULL, act);
                    continue;
                }
                kernel(K, am, bj, ld, tile, NR, 0, NULL, NULL, 0);
                for (int i = 0; i < rows; i++) {
                    float *ci = c + (m0 + i) * ldc + j;
                    const float *ri = r ? r + (m0 + i) * ldc + j : NULL;
                    for (int jj = 0; jj < cols; jj++) {
                        float v = tile[i * NR + jj];
                        if (bias) v += bias[m0 + i];
                        if (ri) v += ri[jj];
                        ci[jj] = rk_activate(v, act);
                    }
                }
            }
        }
    }
}

// Output rows per band: as many as keep the band's expanded input rows within BAND_FLOATS (at least one).
static int band_rows(const rk_inverted *b) {
    const long per_row = (long)b->hidden * b->width;
    const long rows = BAND_FLOATS / (per_row > 0 ? per_row : 1);
    const long out = rows >= 3 ? (rows - 3) / b->stride + 1 : 1;
    return (int)(out < b->out_height ? out : b->out_height);
}

// One image's output rows [oy_begin, oy_end).
static void segment(const rk_inverted *b, const float *x, const float *expand_w, const float *expand_bias,
                    const float *dw_w, const float *dw_bias, const float *project_w, const float *project_bias,
                    float *y, int oy_begin, int oy_end) {
    const int H = b->height, W = b->width, s = b->stride, OW = b->out_width, Ch = b->hidden;
    const long hw = (long)H * W, ohw = (long)b->out_height * OW;
    const int B = band_rows(b), cap = (B - 1) * s + 3;
    const long wp = (long)(OW - 1) * s + 3 + 16;
    const int k_max = b->in_channels > Ch ? b->in_channels : Ch;
    float *hidden = expand_w ? rk_scratch(0, (size_t)Ch * cap * W) : NULL;
    float *dw_out = rk_scratch(1, (size_t)Ch * B * OW);
    float *work = rk_scratch(2, (size_t)cap * wp + MR * NR + (size_t)k_max * NR);
    if ((expand_w && !hidden) || !dw_out || !work) abort();
    float *padded = work, *tile = work + (size_t)cap * wp, *block = tile + MR * NR;
    const rk_gemm_kernel_fn kernel = rk_gemm_kernel();
    int h0 = 0, h1 = 0;  // input rows [h0, h1) held in `hidden`, channel c's at hidden + c·cap·W
    for (int oy0 = oy_begin; oy0 < oy_end; oy0 += B) {
        const int oy1 = oy0 + B < oy_end ? oy0 + B : oy_end;
        const int lo = oy0 * s - 1, rows_in = (oy1 - oy0 - 1) * s + 3;
        const int first = lo > 0 ? lo : 0, last = lo + rows_in < H ? lo + rows_in : H;  // input rows [first, last)
        const float *source = x;
        long source_stride = hw;
        int source_row0 = 0;
        if (expand_w) {
            if (h1 > first && first >= h0) {
                if (first > h0)
                    for (int c = 0; c < Ch; c++) {
                        float *p = hidden + (long)c * cap * W;
                        memmove(p, p + (long)(first - h0) * W, sizeof(float) * (size_t)(h1 - first) * W);
                    }
            } else {
                h1 = first;
            }
            h0 = first;
            if (last > h1)
                gemm_rows(kernel, Ch, b->in_channels, expand_w, x + (long)h1 * W, hw, (long)(last - h1) * W,
                          hidden + (long)(h1 - h0) * W, (long)cap * W, expand_bias, NULL, b->expand_act, block, tile);
            h1 = last;
            source = hidden; source_stride = (long)cap * W; source_row0 = h0;
        }
        const long band = (long)(oy1 - oy0) * OW;
        const int cols = W < wp - 17 ? W : (int)(wp - 17);
        for (int c = 0; c < Ch; c++) {
            memset(padded, 0, sizeof(float) * (size_t)rows_in * wp);
            for (int iy = first; iy < last; iy++)
                memcpy(padded + (long)(iy - lo) * wp + 1, source + c * source_stride + (long)(iy - source_row0) * W,
                       sizeof(float) * cols);
            rk_depthwise_plane3x3(padded, wp, dw_w + 9L * c, dw_bias ? dw_bias[c] : 0, NULL, b->depthwise_act,
                                  dw_out + c * band, oy1 - oy0, OW, s);
        }
        gemm_rows(kernel, b->out_channels, Ch, project_w, dw_out, band, band, y + (long)oy0 * OW, ohw, project_bias,
                  b->residual ? x + (long)oy0 * OW : NULL, b->project_act, block, tile);
    }
}

void rk_inverted_residual(const rk_inverted *b, const float *x, const float *expand_w, const float *expand_bias,
                          const float *dw_w, const float *dw_bias, const float *project_w, const float *project_bias,
                          float *y, int part, int parts) {
    const long total = (long)b->batch * b->out_height;
    const long begin = total * part / parts, end = total * (part + 1) / parts;
    const long in_image = (long)b->in_channels * b->height * b->width;
    const long out_image = (long)b->out_channels * b->out_height * b->out_width;
    for (long q = begin; q < end;) {
        const long n = q / b->out_height;
        const int oy = (int)(q - n * b->out_height);
        const int oy_end = end - q < b->out_height - oy ? oy + (int)(end - q) : b->out_height;
        segment(b, x + n * in_image, expand_w, expand_bias, dw_w, dw_bias, project_w, project_bias, y + n * out_image,
                oy, oy_end);
        q += oy_end - oy;
    }
}
