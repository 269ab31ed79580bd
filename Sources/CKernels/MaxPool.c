// Max pooling for inference (no argmax): per output row, the elementwise maximum of the window's input rows
// (contiguous, vectorised), then the maximum over each output's columns of that row. PyTorch semantics: padding
// never wins, windows are clipped to the image.

#include "CKernels.h"
#include "KernelSupport.h"

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
                for (int i = 0; i < width; i++) row[i] = r[i] > row[i] ? r[i] : row[i];
            }
            for (int ox = 0; ox < out_width; ox++) {
                int x0 = ox * stride_w - pad_w, x1 = x0 + kernel_w;
                if (x0 < 0) x0 = 0;
                if (x1 > width) x1 = width;
                float best = row[x0];
                for (int ix = x0 + 1; ix < x1; ix++) best = row[ix] > best ? row[ix] : best;
                dst[(long)oy * out_width + ox] = best;
            }
        }
    }
}
