// The C kernels under AddressSanitizer + UBSan (scripts/kernels-asan, `make test-kernels-asan`): every
// entry point of the Winograd, int8 and depthwise kernels (and the direct and GEMM convolutions the
// per-layer choice compares Winograd with) on awkward shapes — 1×1 and 5×7 images, sizes that are not
// multiples of the tiles, 1, 3, 17, 33, 65 and 129 channels, batch 1 and 3, stride 1 and 2, padding 0
// and 1, all parts of a split — against naive loops written here, not the project's own oracles.
//
// Each case runs on a thread of its own: the kernels' per-thread scratch is freed when the thread ends,
// so every case allocates it at its own size and an overrun of it reaches ASan's redzone instead of a
// larger buffer left by an earlier case. Outputs start as NaN, so an output the kernel never writes fails
// the comparison. Pure C, no Swift: `cc -fsanitize=address,undefined ... Sources/CKernels/*.c this`.

#include "CKernels.h"
#include <math.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int failures = 0, checks = 0;
static double worst_winograd = 0, worst_direct = 0, worst_depthwise = 0, worst_q8 = 0, worst_inverted = 0;

static uint64_t rng = 0x9E3779B97F4A7C15ull;
static uint32_t next_u32(void) {
    rng ^= rng << 13; rng ^= rng >> 7; rng ^= rng << 17;
    return (uint32_t)(rng >> 16);
}
static float uniform(void) { return (float)(next_u32() % 20001) / 10000.0f - 1.0f; }  // [-1, 1]

static void *alloc(size_t bytes) {
    void *p = malloc(bytes ? bytes : 1);
    if (!p) { fprintf(stderr, "kernel_harness: out of memory\n"); exit(2); }
    return p;
}
static float *floats(size_t n) { float *p = alloc(n * sizeof(float)); for (size_t i = 0; i < n; i++) p[i] = uniform(); return p; }
static float *nans(size_t n) { float *p = alloc(n * sizeof(float)); for (size_t i = 0; i < n; i++) p[i] = NAN; return p; }

// Runs fn(arg) on a new thread and waits: see the header comment.
typedef struct { void (*fn)(void *); void *arg; } job;
static void *trampoline(void *p) { job *j = p; j->fn(j->arg); return NULL; }
static void isolated(void (*fn)(void *), void *arg) {
    pthread_t t;
    job j = {fn, arg};
    if (pthread_create(&t, NULL, trampoline, &j) != 0) { fprintf(stderr, "kernel_harness: no thread\n"); exit(2); }
    pthread_join(t, NULL);
}

static float activate(double v, int act) {
    if (act && v < 0) v = 0;
    if (act == 2 && v > 6) v = 6;
    return (float)v;
}

// One convolution case; kernels that ignore a field ignore it here too.
typedef struct {
    int n, c, k, h, w, kernel, stride, pad, act, bias, residual, parts;
    const char *name;
    int dilation;  // 0 means 1
} conv_case;

static int dilation(const conv_case *t) { return t->dilation > 1 ? t->dilation : 1; }
static int out_size(int in, int kernel, int stride, int pad, int dilation) {
    const int span = in + 2 * pad - dilation * (kernel - 1) - 1;
    return span < 0 ? 0 : span / stride + 1;
}
static int out_h(const conv_case *t) { return out_size(t->h, t->kernel, t->stride, t->pad, dilation(t)); }
static int out_w(const conv_case *t) { return out_size(t->w, t->kernel, t->stride, t->pad, dilation(t)); }

// Compares y with the reference (double), scaled by 1 + Σ|terms| of each output; records and reports the worst.
static void compare(const conv_case *t, const float *y, const double *ref, const double *mag, size_t count, double tol,
                    double *worst) {
    double e = 0;
    size_t at = 0;
    for (size_t i = 0; i < count; i++) {
        const double d = fabs((double)y[i] - ref[i]) / (1 + mag[i]);
        if (!(d <= e)) { e = d; at = i; }  // a NaN (unwritten output) wins and stays
    }
    checks++;
    if (e > *worst || isnan(e)) *worst = e;
    if (!(e <= tol)) {
        failures++;
        fprintf(stderr, "FAIL %s n=%d c=%d k=%d %dx%d kernel=%d stride=%d pad=%d act=%d bias=%d residual=%d parts=%d: "
                "dilation=%d error %.3g at %zu (got %g, want %g)\n", t->name, t->n, t->c, t->k, t->h, t->w, t->kernel,
                t->stride, t->pad, t->act, t->bias, t->residual, t->parts, dilation(t), e, at, y[at], ref[at]);
    }
}

// Naive y = act(conv(x, w) + bias + residual) in double, NCHW, groups = `depthwise` ? C : 1; mag = Σ|w·x| + |bias| + |r|.
static void reference(const conv_case *t, int depthwise, const float *x, const float *w, const float *bias,
                      const float *residual, double *ref, double *mag) {
    const int oh = out_h(t), ow = out_w(t), d = dilation(t);
    const int kk = t->kernel * t->kernel, cin = depthwise ? 1 : t->c;
    for (int n = 0; n < t->n; n++)
        for (int k = 0; k < t->k; k++)
            for (int oy = 0; oy < oh; oy++)
                for (int ox = 0; ox < ow; ox++) {
                    double s = bias ? bias[k] : 0, m = bias ? fabs(bias[k]) : 0;
                    for (int ci = 0; ci < cin; ci++) {
                        const int ch = depthwise ? k : ci;
                        for (int ky = 0; ky < t->kernel; ky++)
                            for (int kx = 0; kx < t->kernel; kx++) {
                                const int iy = oy * t->stride - t->pad + ky * d, ix = ox * t->stride - t->pad + kx * d;
                                if (iy < 0 || iy >= t->h || ix < 0 || ix >= t->w) continue;
                                const double p = (double)w[((size_t)k * cin + ci) * kk + ky * t->kernel + kx]
                                    * x[(((size_t)n * t->c + ch) * t->h + iy) * t->w + ix];
                                s += p; m += fabs(p);
                            }
                    }
                    const size_t at = (((size_t)n * t->k + k) * oh + oy) * ow + ox;
                    if (residual) { s += residual[at]; m += fabs(residual[at]); }
                    ref[at] = activate(s, t->act);
                    mag[at] = m;
                }
}

static rk_conv shape_of(const conv_case *t) {
    rk_conv c;
    memset(&c, 0, sizeof c);
    c.batch = t->n; c.channels = t->c; c.height = t->h; c.width = t->w;
    c.out_channels = t->k;
    c.out_height = out_h(t);
    c.out_width = out_w(t);
    c.kernel_h = c.kernel_w = t->kernel; c.stride_h = c.stride_w = t->stride; c.pad_h = c.pad_w = t->pad;
    c.dilation_h = c.dilation_w = dilation(t);
    c.input_image_stride = (long)t->c * t->h * t->w;
    c.output_image_stride = (long)t->k * c.out_height * c.out_width;
    return c;
}

// MARK: Winograd, direct and GEMM (fp32, groups = 1)

static void fp32_case(void *arg) {
    const conv_case *t = arg;
    rk_conv c = shape_of(t);
    const size_t nx = (size_t)t->n * c.input_image_stride, ny = (size_t)t->n * c.output_image_stride;
    const int taps = t->kernel * t->kernel, depth = t->c * taps;
    float *x = floats(nx), *w = floats((size_t)t->k * depth);
    float *bias = t->bias ? floats(t->k) : NULL, *residual = t->residual ? floats(ny) : NULL;
    double *ref = alloc(ny * sizeof(double)), *mag = alloc(ny * sizeof(double));
    reference(t, 0, x, w, bias, residual, ref, mag);

    if (t->kernel == 3 && t->stride == 1 && dilation(t) == 1) {
        float *u = alloc(rk_winograd_weight_count(t->k, t->c) * sizeof(float));
        for (int p = 0; p < t->parts; p++) rk_winograd_pack(w, t->k, t->c, u, p, t->parts);
        int hq, wq;
        rk_winograd_padded_size(&c, &hq, &wq);
        float *xpad = nans((size_t)t->n * t->c * hq * wq);
        for (int p = 0; p < t->parts; p++) rk_winograd_pad(&c, t->c, x, xpad, p, t->parts);
        rk_conv cw = c;
        cw.input_image_stride = (long)t->c * hq * wq;
        float *y = nans(ny);
        for (int p = 0; p < t->parts; p++) rk_conv_winograd(&cw, xpad, u, bias, residual, t->act, y, p, t->parts);
        conv_case named = *t; named.name = "winograd";
        compare(&named, y, ref, mag, ny, 2e-5, &worst_winograd);
        free(u); free(xpad); free(y);
    }

    // Direct: the zero-padded input (the shape keeps its padding; only the image stride is the copy's), weights in
    // panels of RK_DIRECT_PANEL output channels.
    {
        rk_conv cp = c;
        cp.input_image_stride = (long)t->c * (t->h + 2 * t->pad) * (t->w + 2 * t->pad);
        float *xpad = nans((size_t)t->n * cp.input_image_stride);
        for (int p = 0; p < t->parts; p++) rk_pad_input(&c, t->c, x, xpad, p, t->parts);
        float *packed = alloc(rk_packed_count(t->k, depth, RK_DIRECT_PANEL) * sizeof(float));
        for (int p = 0; p < t->parts; p++) rk_pack_panels(w, t->k, depth, depth, 1, RK_DIRECT_PANEL, packed, p, t->parts);
        float *y = nans(ny);
        for (int p = 0; p < t->parts; p++) rk_conv_direct(&cp, xpad, packed, bias, residual, t->act, y, p, t->parts);
        conv_case named = *t; named.name = "direct";
        compare(&named, y, ref, mag, ny, 1e-5, &worst_direct);
        free(xpad); free(packed); free(y);
    }
    // GEMM with the im2col packing fused.
    {
        float *packed = alloc(rk_packed_count(t->k, depth, RK_GEMM_PANEL) * sizeof(float));
        for (int p = 0; p < t->parts; p++) rk_pack_panels(w, t->k, depth, depth, 1, RK_GEMM_PANEL, packed, p, t->parts);
        float *y = nans(ny);
        for (int p = 0; p < t->parts; p++) rk_conv_forward(&c, x, packed, bias, residual, t->act, y, p, t->parts);
        conv_case named = *t; named.name = "gemm";
        compare(&named, y, ref, mag, ny, 1e-5, &worst_direct);
        free(packed); free(y);
    }
    free(x); free(w); free(bias); free(residual); free(ref); free(mag);
}

// MARK: depthwise 3×3

static void depthwise_case(void *arg) {
    const conv_case *t = arg;
    rk_conv c = shape_of(t);
    c.out_channels = t->c;
    c.output_image_stride = (long)t->c * c.out_height * c.out_width;
    const size_t nx = (size_t)t->n * c.input_image_stride, ny = (size_t)t->n * c.output_image_stride;
    float *x = floats(nx), *w = floats((size_t)t->c * 9);
    float *bias = t->bias ? floats(t->c) : NULL, *residual = t->residual ? floats(ny) : NULL;
    double *ref = alloc(ny * sizeof(double)), *mag = alloc(ny * sizeof(double));
    conv_case d = *t;
    d.k = t->c;
    d.name = "depthwise";
    reference(&d, 1, x, w, bias, residual, ref, mag);
    float *y = nans(ny);
    for (int p = 0; p < t->parts; p++) rk_depthwise3x3(&c, x, w, bias, residual, t->act, y, p, t->parts);
    compare(&d, y, ref, mag, ny, 1e-5, &worst_depthwise);
    free(x); free(w); free(bias); free(residual); free(ref); free(mag); free(y);
}

// MARK: inverted residual (expand → depthwise → project, fused)

typedef struct { int n, cin, hidden, cout, h, w, stride, expand, residual, acts, parts; } inverted_case;

// Naive chain in double; mag carries Σ|terms| through the three steps (the kernel rounds each step to float).
static void inverted_case_run(void *arg) {
    const inverted_case *t = arg;
    const int H = t->h, W = t->w, s = t->stride, OH = (H - 1) / s + 1, OW = (W - 1) / s + 1;
    const int ch = t->expand ? t->hidden : t->cin, ea = t->acts % 3, da = t->acts / 3 % 3, pa = t->acts / 9 % 3;
    const size_t hw = (size_t)H * W, ohw = (size_t)OH * OW, nx = (size_t)t->n * t->cin * hw, ny = (size_t)t->n * t->cout * ohw;
    float *x = floats(nx), *we = floats((size_t)ch * t->cin), *be = floats(ch), *wd = floats((size_t)ch * 9),
          *bd = floats(ch), *wp = floats((size_t)t->cout * ch), *bp = floats(t->cout);
    double *h1 = alloc((size_t)ch * hw * sizeof(double)), *m1 = alloc((size_t)ch * hw * sizeof(double));
    double *h2 = alloc((size_t)ch * ohw * sizeof(double)), *m2 = alloc((size_t)ch * ohw * sizeof(double));
    double *ref = alloc(ny * sizeof(double)), *mag = alloc(ny * sizeof(double));
    for (int n = 0; n < t->n; n++) {
        const float *xn = x + (size_t)n * t->cin * hw;
        for (int c = 0; c < ch; c++)
            for (size_t p = 0; p < hw; p++) {
                double v = t->expand ? be[c] : xn[c * hw + p], m = fabs(v);
                if (t->expand)
                    for (int k = 0; k < t->cin; k++) { const double q = (double)we[c * t->cin + k] * xn[k * hw + p]; v += q; m += fabs(q); }
                h1[c * hw + p] = t->expand ? activate(v, ea) : v;
                m1[c * hw + p] = m;
            }
        for (int c = 0; c < ch; c++)
            for (int oy = 0; oy < OH; oy++)
                for (int ox = 0; ox < OW; ox++) {
                    double v = bd[c], m = fabs(bd[c]);
                    for (int ky = 0; ky < 3; ky++)
                        for (int kx = 0; kx < 3; kx++) {
                            const int iy = oy * s - 1 + ky, ix = ox * s - 1 + kx;
                            if (iy < 0 || iy >= H || ix < 0 || ix >= W) continue;
                            const double wv = wd[c * 9 + ky * 3 + kx];
                            v += wv * h1[c * hw + (size_t)iy * W + ix];
                            m += fabs(wv) * m1[c * hw + (size_t)iy * W + ix];
                        }
                    h2[c * ohw + (size_t)oy * OW + ox] = activate(v, da);
                    m2[c * ohw + (size_t)oy * OW + ox] = m;
                }
        for (int o = 0; o < t->cout; o++)
            for (size_t p = 0; p < ohw; p++) {
                double v = bp[o], m = fabs(bp[o]);
                for (int c = 0; c < ch; c++) { v += (double)wp[o * ch + c] * h2[c * ohw + p]; m += fabs(wp[o * ch + c]) * m2[c * ohw + p]; }
                if (t->residual) { v += xn[o * hw + p]; m += fabs(xn[o * hw + p]); }
                const size_t at = ((size_t)n * t->cout + o) * ohw + p;
                ref[at] = activate(v, pa);
                mag[at] = m;
            }
    }
    float *pe = alloc(rk_packed_count(ch, t->cin, RK_GEMM_PANEL) * sizeof(float));
    float *pp = alloc(rk_packed_count(t->cout, ch, RK_GEMM_PANEL) * sizeof(float));
    rk_pack_panels(we, ch, t->cin, t->cin, 1, RK_GEMM_PANEL, pe, 0, 1);
    rk_pack_panels(wp, t->cout, ch, ch, 1, RK_GEMM_PANEL, pp, 0, 1);
    rk_inverted b = {t->n, t->cin, ch, t->cout, H, W, s, OH, OW, ea, da, pa, t->residual};
    float *y = nans(ny);
    for (int p = 0; p < t->parts; p++)
        rk_inverted_residual(&b, x, t->expand ? pe : NULL, be, wd, bd, pp, bp, y, p, t->parts);
    conv_case d = {t->n, t->cin, t->cout, H, W, 3, s, 1, t->acts, t->expand, t->residual, t->parts, "inverted residual", 1};
    compare(&d, y, ref, mag, ny, 1e-5, &worst_inverted);
    free(x); free(we); free(be); free(wd); free(bd); free(wp); free(bp); free(h1); free(m1); free(h2); free(m2);
    free(ref); free(mag); free(pe); free(pp); free(y);
}

// MARK: int8

// round half to even of x·inv + zp (two roundings, as the kernel: never fused), clamped to [0, 255], NaN → 0.
static uint8_t quantize_one(float x, float inv, int zp) {
    volatile float t = x * inv;
    t = t + (float)zp;
    if (!(t > 0)) return 0;
    if (t > 255) return 255;
    return (uint8_t)nearbyintf(t);
}

static void quantize_case(void *arg) {
    const long count = *(const long *)arg;
    static const float specials[] = {NAN, INFINITY, -INFINITY, 1e30f, -1e30f, 0.5f, 1.5f, 2.5f, -0.5f, 127.5f, 254.5f, 255.5f};
    float *x = alloc((size_t)count * sizeof(float));
    for (long i = 0; i < count; i++)
        x[i] = i % 5 == 4 ? specials[(i / 5) % (sizeof specials / sizeof *specials)] : uniform() * 300;
    for (int parts = 1; parts <= 3; parts += 2) {
        uint8_t *q = alloc((size_t)count);
        memset(q, 0xA5, (size_t)count);
        for (int p = 0; p < parts; p++) rk_q8_quantize(x, count, 1.0f, 0, q, p, parts);
        long bad = -1;
        for (long i = 0; i < count && bad < 0; i++) if (q[i] != quantize_one(x[i], 1.0f, 0)) bad = i;
        checks++;
        if (bad >= 0) {
            failures++;
            fprintf(stderr, "FAIL q8_quantize count=%ld parts=%d: x[%ld]=%g gave %d, want %d\n", count, parts, bad, x[bad],
                    q[bad], quantize_one(x[bad], 1.0f, 0));
        }
        free(q);
    }
    free(x);
}

// The first index where codes [n][plane][padded] differ from x [n][channels][plane] quantised (padding channels: the
// zero point), or −1.
static long nhwc_mismatch(const uint8_t *codes, const float *x, int n, int channels, int padded, long plane, float inv,
                          int zp) {
    for (int b = 0; b < n; b++)
        for (long i = 0; i < plane; i++)
            for (int ch = 0; ch < padded; ch++) {
                const size_t at = ((size_t)b * plane + i) * padded + ch;
                const int want = ch < channels ? quantize_one(x[((size_t)b * channels + ch) * plane + i], inv, zp) : zp;
                if (codes[at] != want) return (long)at;
            }
    return -1;
}

typedef struct { conv_case t; int zero_point; } q8_case;

static void q8_conv_case(void *arg) {
    const q8_case *qc = arg;
    const conv_case *t = &qc->t;
    const int zp = qc->zero_point, taps = t->kernel * t->kernel, c4 = (t->c + 3) & ~3;
    rk_conv c = shape_of(t);
    const long plane = (long)t->h * t->w, oplane = (long)c.out_height * c.out_width;
    const size_t nx = (size_t)t->n * t->c * plane, ny = (size_t)t->n * t->k * oplane;
    const float inv = 255.0f / 4;  // x in [-1, 1] spans most codes around the zero point
    float *x = floats(nx);

    // Activations: NHWC with C₄ channels, padding channels at the zero point.
    uint8_t *q = alloc((size_t)t->n * plane * c4);
    memset(q, 0xA5, (size_t)t->n * plane * c4);
    for (int p = 0; p < t->parts; p++) rk_q8_quantize_nhwc(x, t->n, t->c, plane, inv, zp, q, p, t->parts);
    long bad = nhwc_mismatch(q, x, t->n, t->c, c4, plane, inv, zp);
    checks++;
    if (bad >= 0) { failures++; fprintf(stderr, "FAIL q8_quantize_nhwc n=%d c=%d %dx%d parts=%d at %ld\n", t->n, t->c, t->h, t->w, t->parts, bad); }

    // Weights |w| ≤ RK_Q8_WEIGHT_MAX, [K][C][taps].
    const size_t nw = (size_t)t->k * t->c * taps;
    int8_t *w = alloc(nw);
    for (size_t i = 0; i < nw; i++) w[i] = (int8_t)((int)(next_u32() % (2 * RK_Q8_WEIGHT_MAX + 1)) - RK_Q8_WEIGHT_MAX);
    int8_t *packed = alloc(rk_q8_packed_bytes(t->k, t->c, taps));
    int32_t *wsum = alloc((size_t)t->k * sizeof(int32_t));
    rk_q8_pack_weights(w, t->k, t->c, taps, packed, wsum);

    // Naive sums on the NHWC codes: Σ w·(q − zp), padding counting as 0.0.
    int32_t *want = alloc(ny * sizeof(int32_t));
    for (int n = 0; n < t->n; n++)
        for (int k = 0; k < t->k; k++)
            for (int oy = 0; oy < c.out_height; oy++)
                for (int ox = 0; ox < c.out_width; ox++) {
                    int64_t s = 0;
                    for (int ch = 0; ch < t->c; ch++)
                        for (int tap = 0; tap < taps; tap++) {
                            const int iy = oy * t->stride - t->pad + tap / t->kernel * dilation(t);
                            const int ix = ox * t->stride - t->pad + tap % t->kernel * dilation(t);
                            if (iy < 0 || iy >= t->h || ix < 0 || ix >= t->w) continue;
                            s += (int64_t)w[((size_t)k * t->c + ch) * taps + tap] * (q[((size_t)n * plane + (size_t)iy * t->w + ix) * c4 + ch] - zp);
                        }
                    want[(((size_t)n * t->k + k) * c.out_height + oy) * c.out_width + ox] = (int32_t)s;
                }
    for (int k = 0; k < t->k; k++) {
        int32_t s = 0;
        for (int i = 0; i < t->c * taps; i++) s += w[(size_t)k * t->c * taps + i];
        if (s != wsum[k]) { failures++; fprintf(stderr, "FAIL q8_pack_weights wsum[%d] = %d, want %d\n", k, wsum[k], s); break; }
    }

    rk_conv cq = c;
    cq.input_image_stride = plane * c4;
    int32_t *acc = alloc(ny * sizeof(int32_t));
    for (size_t i = 0; i < ny; i++) acc[i] = INT32_MIN;
    for (int p = 0; p < t->parts; p++) rk_q8_conv(&cq, q, zp, packed, wsum, NULL, NULL, NULL, 0, NULL, acc, p, t->parts);
    bad = -1;
    for (size_t i = 0; i < ny && bad < 0; i++) if (acc[i] != want[i]) bad = (long)i;
    checks++;
    if (bad >= 0) {
        failures++;
        fprintf(stderr, "FAIL q8_conv sums n=%d c=%d k=%d %dx%d kernel=%d stride=%d pad=%d zp=%d parts=%d: at %ld got %d want %d\n",
                t->n, t->c, t->k, t->h, t->w, t->kernel, t->stride, t->pad, zp, t->parts, bad, acc[bad], want[bad]);
    }

    // The project's own oracle (used by the Swift tests) on NCHW codes agrees with the loop above.
    uint8_t *nchw = alloc(nx ? nx : 1);
    for (int n = 0; n < t->n; n++)
        for (int ch = 0; ch < t->c; ch++)
            for (long i = 0; i < plane; i++) nchw[((size_t)n * t->c + ch) * plane + i] = q[((size_t)n * plane + i) * c4 + ch];
    rk_conv cr = c;
    int32_t *oracle = alloc(ny * sizeof(int32_t));
    rk_q8_conv_reference(&cr, nchw, zp, w, oracle);
    checks++;
    if (memcmp(oracle, want, ny * sizeof(int32_t)) != 0) { failures++; fprintf(stderr, "FAIL q8_conv_reference disagrees (c=%d k=%d)\n", t->c, t->k); }

    // Dequantised: y = act(s·scale + bias + residual).
    float *scale = alloc((size_t)t->k * sizeof(float)), *bias = floats(t->k);
    for (int k = 0; k < t->k; k++) scale[k] = (0.5f + (float)(next_u32() % 1000) / 1000) / (inv * 63);
    float *residual = t->residual ? floats(ny) : NULL;
    double *ref = alloc(ny * sizeof(double)), *mag = alloc(ny * sizeof(double));
    for (size_t i = 0; i < ny; i++) {
        const int k = (int)(i / oplane % t->k);
        const double s = (double)want[i] * scale[k];
        double v = s + (t->bias ? bias[k] : 0) + (residual ? residual[i] : 0);
        ref[i] = activate(v, t->act);
        mag[i] = fabs(s) + fabs(bias[k]) + (residual ? fabs(residual[i]) : 0);
    }
    float *y = nans(ny);
    for (int p = 0; p < t->parts; p++)
        rk_q8_conv(&cq, q, zp, packed, wsum, scale, t->bias ? bias : NULL, residual, t->act, y, NULL, p, t->parts);
    conv_case named = *t; named.name = "q8_conv";
    compare(&named, y, ref, mag, ny, 1e-6, &worst_q8);

    // Requantised for the next int8 convolution: the codes must equal quantize(the fp32 epilogue without residual),
    // every byte, padding channels at the output zero point. The scale clips both ends of the range.
    const int ko = (t->k + 3) & ~3, ozp = (zp * 7 + 3) % 256;
    float *y0 = nans(ny);
    for (int p = 0; p < t->parts; p++)
        rk_q8_conv(&cq, q, zp, packed, wsum, scale, t->bias ? bias : NULL, NULL, t->act, y0, NULL, p, t->parts);
    float big = 1e-3f;
    for (size_t i = 0; i < ny; i++) big = fabsf(y0[i]) > big ? fabsf(y0[i]) : big;
    const float oinv = 200.0f / big;
    uint8_t *yq = alloc((size_t)t->n * oplane * ko + 1);
    memset(yq, 0xA5, (size_t)t->n * oplane * ko + 1);
    for (int p = 0; p < t->parts; p++)
        rk_q8_conv_requantize(&cq, q, zp, packed, wsum, scale, t->bias ? bias : NULL, t->act, oinv, ozp, yq, p, t->parts);
    bad = nhwc_mismatch(yq, y0, t->n, t->k, ko, oplane, oinv, ozp);
    checks++;
    if (bad >= 0 || yq[(size_t)t->n * oplane * ko] != 0xA5) {
        failures++;
        fprintf(stderr, "FAIL q8_conv_requantize n=%d c=%d k=%d %dx%d kernel=%d stride=%d zp=%d parts=%d: at %ld\n", t->n, t->c, t->k,
                t->h, t->w, t->kernel, t->stride, zp, t->parts, bad);
    }
    free(y0); free(yq);

    free(x); free(q); free(w); free(packed); free(wsum); free(want); free(acc); free(nchw); free(oracle);
    free(scale); free(bias); free(residual); free(ref); free(mag); free(y);
}

// MARK: kernel threads

// Three threads issue splits of 2-8 parts (and some of 70) at once, 3,000 each: every split the pool takes must run
// each part exactly once (one refused because another is in flight runs nowhere here; the Swift side then uses
// libdispatch), and some parts must run on the workers, not all on the caller.
typedef struct { int counts[70]; pthread_t caller; int elsewhere, spin; } pool_job;
static void pool_part(void *ctx, int part) {
    pool_job *j = ctx;
    j->counts[part]++;
    if (!pthread_equal(pthread_self(), j->caller)) __atomic_store_n(&j->elsewhere, 1, __ATOMIC_RELAXED);
    for (volatile int spin = 0; spin < j->spin; spin++) {}  // a part worth claiming
}
static void pool_caller(void *arg) {
    long *taken = arg;
    for (int r = 0; r < 3000; r++) {
        const int parts = r % 100 == 99 ? 70 : 2 + r % 7;
        pool_job j = {{0}, pthread_self(), 0, 200};
        if (!rk_pool_run(parts, pool_part, &j)) continue;
        taken[0]++;
        taken[1] += j.elsewhere;
        for (int i = 0; i < 70; i++) {
            if (j.counts[i] == (i < parts)) continue;
            if (__atomic_fetch_add(&failures, 1, __ATOMIC_RELAXED) < 20) fprintf(stderr, "kernel pool: %d parts, part %d ran %d times\n", parts, i, j.counts[i]);
        }
    }
}
static void pool_case(void) {
    pthread_t t[3];
    long taken[3][2] = {{0}};
    job jobs[3];
    for (int i = 0; i < 3; i++) {
        jobs[i] = (job){pool_caller, taken[i]};
        if (pthread_create(&t[i], NULL, trampoline, &jobs[i]) != 0) { fprintf(stderr, "kernel_harness: no thread\n"); exit(2); }
    }
    for (int i = 0; i < 3; i++) pthread_join(t[i], NULL);
    checks++;
    const long jobs_taken = taken[0][0] + taken[1][0] + taken[2][0], stressed = taken[0][1] + taken[1][1] + taken[2][1];
    long elsewhere = stressed;
    // Three callers on few cores can starve the workers for the whole stress (seen on a loaded 2-vCPU machine), so
    // that parts run on them is checked apart: one caller, parts of tens of µs, until a worker takes one (a worker
    // that slept wakes within that). A machine whose pool has no worker (one usable core) takes no split at all.
    for (int r = 0; jobs_taken > 0 && elsewhere == 0 && r < 2000; r++) {
        pool_job j = {{0}, pthread_self(), 0, 20000};
        if (rk_pool_run(2, pool_part, &j)) elsewhere += j.elsewhere;
    }
    if (jobs_taken > 0 && elsewhere == 0) {
        failures++;
        fprintf(stderr, "kernel pool: %ld splits taken, none with a part on a worker\n", jobs_taken);
    }
    printf("kernel pool: %ld splits taken under the stress, %ld with a part on a worker%s\n", jobs_taken, stressed,
           jobs_taken ? "" : " (no worker: one usable core)");
    if (rk_pool_run(1, pool_part, NULL)) { failures++; fprintf(stderr, "kernel pool: took a split of 1 part\n"); }
}

// MARK: cases

int main(void) {
    __builtin_cpu_init();
    if (!__builtin_cpu_supports("avx2") || !__builtin_cpu_supports("fma")) {
        printf("kernel_harness: this CPU has no AVX2 + FMA (the kernels need them)\n");
        return 77;  /* "skipped" to scripts/kernels-asan: nothing was tested */
    }
    pool_case();
    static const int images[][2] = {{1, 1}, {5, 7}, {7, 5}, {9, 13}, {17, 6}, {33, 29}};
    static const int channels[][2] = {{1, 1}, {3, 17}, {17, 3}, {33, 33}, {65, 17}, {3, 65}, {129, 5}};
    const int n_images = sizeof images / sizeof *images, n_channels = sizeof channels / sizeof *channels;
    int variant = 0;
    for (int i = 0; i < n_images; i++)
        for (int ch = 0; ch < n_channels; ch++)
            for (int batch = 1; batch <= 3; batch += 2)
                for (int pad = 0; pad <= 1; pad++)
                    for (int stride = 1; stride <= 2; stride++) {
                        // The big ones once, not in every combination: the harness stays a matter of seconds.
                        const int big = images[i][0] * images[i][1] > 200, wide = channels[ch][0] > 100;
                        if ((big || wide) && (batch == 3 || stride == 2)) continue;
                        if (big && wide) continue;
                        variant++;
                        conv_case t = {batch, channels[ch][0], channels[ch][1], images[i][0], images[i][1], 3, stride, pad,
                                       variant % 3, variant % 2, variant % 4 >= 2, (int[]){1, 3, 16}[variant / 3 % 3], "", 1};
                        if (out_h(&t) < 1 || out_w(&t) < 1) continue;
                        isolated(fp32_case, &t);
                        // 1×1 (pointwise): the GEMM kernel reads unpadded stride-1 input rows in place.
                        conv_case pw = t;
                        pw.kernel = 1;
                        isolated(fp32_case, &pw);
                        isolated(depthwise_case, &t);
                        t.parts = t.parts == 1 ? 3 : 1;  // another split too
                        isolated(depthwise_case, &t);
                        for (int kernel = 1; kernel <= 3; kernel += 2) {
                            q8_case q = {t, (int[]){0, 128, 255, 7}[variant % 4]};
                            q.t.kernel = kernel;
                            if (out_h(&q.t) < 1 || out_w(&q.t) < 1) continue;
                            isolated(q8_conv_case, &q);
                            if (kernel == 1) { q.t.parts = 16; isolated(q8_conv_case, &q); }
                        }
                        // Dilated 3×3 (the GEMM, direct and int8 kernels take it).
                        conv_case d = t;
                        d.dilation = 2;
                        if (out_h(&d) >= 1 && out_w(&d) >= 1) {
                            isolated(fp32_case, &d);
                            q8_case q = {d, 128};
                            isolated(q8_conv_case, &q);
                        }
                    }
    // int8 stems and wide kernels: 7×7 stride 2 pad 3 over 3 channels (ResNet's first layer: a kernel row is 7 dwords,
    // under the 8 of a transposed block) and 5×5 over 9 channels (3 dwords per tap, 15 per row), planes that end
    // inside a tile of 16 pixels, so tiles run across images.
    static const q8_case stems[] = {
        {{2, 3, 9, 23, 19, 7, 2, 3, 1, 1, 1, 1, "", 0}, 128}, {{3, 3, 5, 11, 13, 7, 2, 3, 0, 0, 0, 3, "", 0}, 0},
        {{2, 9, 6, 9, 7, 5, 1, 2, 2, 1, 0, 2, "", 0}, 255}, {{1, 9, 4, 8, 8, 5, 1, 0, 0, 0, 1, 16, "", 2}, 7},
    };
    for (size_t i = 0; i < sizeof stems / sizeof *stems; i++) isolated(q8_conv_case, (void *)&stems[i]);
    // With the tile unit: 16-channel groups (and the 512-bit VNNI kernel for the rest of the panels) against the
    // oracle, then the same shapes with AMX declined; depths that end inside a 16-group block, odd tile counts.
    static const q8_case wide[] = {
        {{1, 9, 16, 7, 9, 3, 1, 1, 1, 1, 0, 1, "", 0}, 128}, {{2, 20, 33, 5, 11, 3, 2, 1, 2, 0, 1, 3, "", 0}, 7},
        {{1, 64, 48, 6, 6, 1, 1, 0, 0, 1, 1, 2, "", 0}, 200}, {{3, 3, 64, 13, 9, 7, 2, 3, 1, 1, 0, 16, "", 0}, 0},
        {{1, 17, 21, 8, 8, 3, 1, 1, 1, 1, 0, 4, "", 2}, 255},
    };
    for (int declined = 0; declined <= rk_q8_amx(); declined++) {
        rk_q8_decline_amx(declined);
        for (size_t i = 0; i < sizeof wide / sizeof *wide; i++) isolated(q8_conv_case, (void *)&wide[i]);
    }
    rk_q8_decline_amx(0);
    // Inverted residuals: MobileNetV2's shapes scaled down, widths that are no multiple of 8 or 48, hidden widths
    // that force bands of one output row (the expanded rows two bands share moved, not recomputed), splits of the rows
    // that cut bands and images, and the block without expansion.
    static const inverted_case inverted[] = {
        {1, 16, 96, 24, 13, 11, 2, 1, 0, 5, 1}, {2, 5, 30, 5, 9, 7, 1, 1, 1, 5, 3}, {1, 8, 8, 8, 17, 6, 1, 0, 1, 4, 2},
        {3, 3, 18, 7, 1, 1, 1, 1, 0, 22, 2}, {1, 12, 600, 12, 10, 33, 1, 1, 1, 5, 3}, {2, 9, 650, 13, 11, 31, 2, 1, 0, 8, 16},
        {1, 32, 32, 16, 20, 20, 1, 0, 0, 5, 1}, {2, 24, 144, 24, 14, 14, 1, 1, 1, 17, 2}, {1, 7, 42, 9, 7, 50, 2, 1, 0, 0, 4},
    };
    // On AVX-512 machines the AVX2 GEMM micro-kernel too (the CPUs without AVX-512 run it).
    for (int avx2 = 0; avx2 <= (rk_isa() == 2); avx2++) {
        rk_force_avx2(avx2);
        for (size_t i = 0; i < sizeof inverted / sizeof *inverted; i++) isolated(inverted_case_run, (void *)&inverted[i]);
    }
    rk_force_avx2(0);
    static const long counts[] = {0, 1, 31, 32, 33, 95, 100, 1000};
    for (size_t i = 0; i < sizeof counts / sizeof *counts; i++) isolated(quantize_case, (void *)&counts[i]);

    printf("kernel_harness: fp32 kernels %s, int8 kernels %s\n", rk_isa() == 2 ? "avx512" : "avx2",
           rk_q8_amx() ? "amx + avx512-vnni" : rk_q8_isa() == 2 ? "avx512-vnni" : "avx2");
    printf("kernel_harness: %d checks, %d failed; worst scaled error: winograd %.2g, direct/gemm %.2g, depthwise %.2g, "
           "inverted residual %.2g, q8 dequantised %.2g (q8 sums exact)\n", checks, failures, worst_winograd, worst_direct,
           worst_depthwise, worst_inverted, worst_q8);
    return failures ? 1 : 0;
}
