// Max pooling for inference (no argmax): per output row, the elementwise maximum of the window's input rows
// (contiguous, vectorised), then the maximum over each output's columns of that row. PyTorch semantics: padding
// never wins, windows are clipped to the image, a NaN in the window wins.

#include "CKernels.h"
#include "KernelSupport.h"

// max(a, b) with a NaN in either winning, as PyTorch's max pooling does.
static inline float nan_max(float a, float b) { return (a > b || a != a) ? a : b; }

void rk_max_pool(const float *x, float *y, long planes, int height, int width, int kernel_h, int kernel_w,
                 int stride_h, int stride_w, int pad_h, int pad_w, int out_height, int out_width, int part, int parts) {
    float *row = rk_scratch(0, (size_t)width);
    if (!row) __builtin_trap();
    const long plane_in = (long)height * width, plane_out = (long)out_height * out_width;
    for (long p = planes * part / parts; p < planes * (part + 1) / parts; p++) {
        const float *src = x + p * plane_in;
        float *dst = y + p * plane_out;
        for (int oy = 0; oy < out_height; oy++) {
            int y0 = oy * stride_h - pad_h, y1 = y0 + kernel_h;
            if (y0 < 0) y0 = 0;
            if (y1 > height) y1 = height;
            const float *first = src + (long)y0 * width;
            for (int i = 0; i < width; i++) row[i] = first[i];
            for (int iy = y0 + 1; iy < y1; iy++) {
                const float *r = src + (long)iy * width;
                for (int i = 0; i < width; i++) row[i] = nan_max(r[i], row[i]);
            }
            float *out = dst + (long)oy * out_width;
            // Outputs whose window lies inside the row: lo..<hi, without clipping (the common 2×2 and 3×3
            // stride-2 windows unrolled); the few at the edges clip.
            int lo = (pad_w + stride_w - 1) / stride_w;
            int hi = width - kernel_w + pad_w < 0 ? 0 : (width - kernel_w + pad_w) / stride_w + 1;
            if (hi > out_width) hi = out_width;
            if (lo > hi) lo = hi;
            if (kernel_w == 2 && stride_w == 2) {
                for (int ox = lo; ox < hi; ox++) {
                    const float *r = row + 2 * ox - pad_w;
                    out[ox] = nan_max(r[0], r[1]);
                }
            } else if (kernel_w == 3 && stride_w == 2) {
                for (int ox = lo; ox < hi; ox++) {
                    const float *r = row + 2 * ox - pad_w;
                    out[ox] = nan_max(nan_max(r[0], r[1]), r[2]);
                }
            } else {
                for (int ox = lo; ox < hi; ox++) {
                    const float *r = row + ox * stride_w - pad_w;
                    float best = r[0];
                    for (int ix = 1; ix < kernel_w; ix++) best = nan_max(r[ix], best);
                    out[ox] = best;
                }
            }
            for (int ox = 0; ox < out_width; ox++) {
                if (ox == lo) ox = hi;
                if (ox >= out_width) break;
                int x0 = ox * stride_w - pad_w, x1 = x0 + kernel_w;
                if (x0 < 0) x0 = 0;
                if (x1 > width) x1 = width;
                float best = row[x0];
                for (int ix = x0 + 1; ix < x1; ix++) best = nan_max(row[ix], best);
                out[ox] = best;
            }
        }
    }
}

void rk_max_pool_indices(const float *x, float *y, int *argmax, long planes, int height, int width, int kernel_h,
                         int kernel_w, int stride_h, int stride_w, int pad_h, int pad_w, int out_height, int out_width,
                         int part, int parts) {
    const long plane_in = (long)height * width, plane_out = (long)out_height * out_width;
    for (long p = planes * part / parts; p < planes * (part + 1) / parts; p++) {
        const float *src = x + p * plane_in;
        float *dst = y + p * plane_out;
        int *idx = argmax + p * plane_out;
        for (int oy = 0; oy < out_height; oy++) {
            int y0 = oy * stride_h - pad_h, y1 = y0 + kernel_h;
            if (y0 < 0) y0 = 0;
            if (y1 > height) y1 = height;
            for (int ox = 0; ox < out_width; ox++) {
                int x0 = ox * stride_w - pad_w, x1 = x0 + kernel_w;
                if (x0 < 0) x0 = 0;
                if (x1 > width) x1 = width;
                // The first maximum in row-major order wins; a NaN beats everything after it.
                long best_index = (long)y0 * width + x0;
                float best = src[best_index];
                for (int iy = y0; iy < y1; iy++) {
                    const float *r = src + (long)iy * width;
                    for (int ix = x0; ix < x1; ix++) {
                        const float v = r[ix];
                        if (v > best || (v != v && best == best)) { best = v; best_index = (long)iy * width + ix; }
                    }
                }
                dst[(long)oy * out_width + ox] = best;
                idx[(long)oy * out_width + ox] = (int)(p * plane_in + best_index);
            }
        }
    }
}
