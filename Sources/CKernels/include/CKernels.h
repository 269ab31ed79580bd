// Convolution as packed GEMM with register-blocked micro-kernels (AVX-512 where
// the CPU has it, AVX2+FMA otherwise), the im2col unfolding fused into the
// packing of each cache block and bias, residual and activation applied while
// the output tile is still in registers. Swift owns the threads: every entry
// point does one `part` of `parts` and touches nothing another part writes.
#ifndef RETICLE_CKERNELS_H
#define RETICLE_CKERNELS_H

#include <stddef.h>

/// One group of a 2-D convolution over NCHW tensors.
typedef struct {
    int batch, channels, height, width;       // input; `channels` of this group
    int out_channels, out_height, out_width;  // of this group
    int kernel_h, kernel_w, stride_h, stride_w, pad_h, pad_w, dilation_h, dilation_w;
    long input_image_stride;   // floats from one image to the next in the input (C_in·H·W for the whole tensor)
    long output_image_stride;  // likewise in the output
} rk_conv;

/// 2 = AVX-512 micro-kernels, 1 = AVX2+FMA ones.
int rk_isa(void);
/// Forces the AVX2 kernels (1) or the best available (0); for tests on AVX-512 machines.
void rk_force_avx2(int on);

/// Panel widths: RK_GEMM_PANEL rows for the GEMM kernels, RK_DIRECT_PANEL output channels for the direct one;
/// RK_GEMM_NR columns (output pixels) per GEMM tile.
#define RK_GEMM_PANEL 8
#define RK_GEMM_NR 48
#define RK_DIRECT_PANEL 32

/// Floats needed to pack a `rows` × `depth` operand into panels of `width` rows.
size_t rk_packed_count(int rows, int depth, int width);
/// packed[(r/width)·depth + d][r%width] = src[r·row_stride + d·depth_stride], zero rows up to a multiple of width.
/// Parts split the panels.
void rk_pack_panels(const float *src, int rows, int depth, long row_stride, long depth_stride, int width, float *packed,
                    int part, int parts);

/// Packs W′[c_in][c_out][t] = W[c_out][c_in][taps−1−t] (one group's weight [c_out][c_in][taps], flipped in space and
/// transposed in channels: the input gradient of a stride-1 convolution as a forward one) like rk_pack_panels
/// with rows c_in and depth c_out·taps. Parts split the panels.
void rk_pack_flipped(const float *w, int out_channels, int in_channels, int taps, int width, float *packed,
                     int part, int parts);

/// Copies x into xpad [N][C][H + 2·pad_h][W + 2·pad_w] with zero borders; parts split the planes.
/// `c->input_image_stride` is x's; xpad's planes are packed.
void rk_pad_input(const rk_conv *c, int channels_total, const float *x, float *xpad, int part, int parts);

/// The direct convolution (no im2col): y = act(conv(xpad, W) + bias + residual) with xpad the zero-padded input
/// (or x itself when the convolution has no padding) and `c->input_image_stride` xpad's; W packed by
/// rk_pack_panels(w, C_out, K, K, 1, RK_DIRECT_PANEL). Parts split the output pixels.
void rk_conv_direct(const rk_conv *c, const float *xpad, const float *packed_w, const float *bias,
                    const float *residual, int activation, float *y, int part, int parts);

/// y = act(W·im2col(x) + bias + residual); W packed by rk_pack_panels(w, C_out, K, K, 1, RK_GEMM_PANEL).
/// bias [C_out] and residual (laid out as y) may be NULL. activation: 0 none, 1 ReLU, 2 ReLU6.
void rk_conv_forward(const rk_conv *c, const float *x, const float *packed_w, const float *bias,
                     const float *residual, int activation, float *y, int part, int parts);

/// dx += col2im(Wᵀ·dy); Wᵀ packed by rk_pack_panels(w, K, C_out, 1, K, RK_GEMM_PANEL). Parts split the images.
void rk_conv_backward_input(const rk_conv *c, const float *dy, const float *packed_wt, float *dx, int part, int parts);

/// dw[C_out][K] = dy·im2col(x)ᵀ without im2col; xpad and `c->input_image_stride` as for rk_conv_direct. Parts split
/// the entries of dw (all parts together write each once) and share one dw.
void rk_conv_weight_grad_direct(const rk_conv *c, const float *xpad, const float *dy, float *dw, int part, int parts);

/// dw[C_out][K] += dy·im2col(x)ᵀ over this part's images; give each part its own dw.
void rk_conv_backward_weight(const rk_conv *c, const float *x, const float *dy, float *dw, int part, int parts);

/// Max pooling without indices over `planes` planes [height × width] → [out_height × out_width]; parts split the planes.
void rk_max_pool(const float *x, float *y, long planes, int height, int width, int kernel_h, int kernel_w,
                 int stride_h, int stride_w, int pad_h, int pad_w, int out_height, int out_width, int part, int parts);

/// Max pooling with, for each output, the flat index into x of the input that won (the first maximum in row-major
/// order; a NaN wins), for the backward pass.
void rk_max_pool_indices(const float *x, float *y, int *argmax, long planes, int height, int width, int kernel_h,
                         int kernel_w, int stride_h, int stride_w, int pad_h, int pad_w, int out_height, int out_width,
                         int part, int parts);

/// Output channels per panel of the Winograd weights.
#define RK_WINOGRAD_PANEL 16

/// Floats of a 3×3 weight [out][in][3][3] transformed for Winograd F(4×4, 3×3): 36 × ⌈out/16⌉·16 × in.
size_t rk_winograd_weight_count(int out_channels, int in_channels);
/// u[ξ][panel][c][16] = (G·g·Gᵀ)[ξ] for each 3×3 filter g = w[k][c] (k = panel·16 + lane, zero past the last).
/// Parts split the panels.
void rk_winograd_pack(const float *w, int out_channels, int in_channels, float *u, int part, int parts);
/// Plane size of the input the Winograd kernel reads: 4·⌈out/4⌉ + 2 in each direction.
void rk_winograd_padded_size(const rk_conv *c, int *height, int *width);
/// Copies x into xpad [N][C][Hq][Wq] (rk_winograd_padded_size) at (pad_h, pad_w), zeros elsewhere; parts split the
/// planes. `c->input_image_stride` is x's.
void rk_winograd_pad(const rk_conv *c, int channels_total, const float *x, float *xpad, int part, int parts);
/// y = act(conv3×3(x) + bias + residual) for a stride-1, undilated, ungrouped 3×3 convolution, by Winograd
/// F(4×4, 3×3) (AVX2 + FMA); xpad from rk_winograd_pad (its floats must index in 32 bits), u from rk_winograd_pack.
/// Parts split the tiles, or the output channel panels when there are few tiles.
void rk_conv_winograd(const rk_conv *c, const float *xpad, const float *u, const float *bias, const float *residual,
                      int activation, float *y, int part, int parts);

/// Depthwise 3×3 convolution (channels = groups = out_channels in `c`, which describes the whole tensor), stride 1
/// or 2 in both directions, no dilation: y = act(conv(x, w) + bias + residual), w [C][9]. Parts split the planes.
void rk_depthwise3x3(const rk_conv *c, const float *x, const float *w, const float *bias, const float *residual,
                     int activation, float *y, int part, int parts);

/// MobileNetV2's inverted residual block (expand 1×1 → depthwise 3×3, padding 1 → project 1×1), folded for inference.
typedef struct {
    int batch, in_channels, hidden, out_channels, height, width;  // input [N][in_channels][height][width]
    int stride, out_height, out_width;                             // of the depthwise convolution (1 or 2)
    int expand_act, depthwise_act, project_act;                    // 0 none, 1 ReLU, 2 ReLU6
    int residual;                                                  // 1: add x (stride 1, in_channels = out_channels)
} rk_inverted;

/// y = act(project(dwact(depthwise(eact(expand(x))))) + x), one band of output rows at a time, so the expanded and
/// depthwise activations of a band stay in L2 instead of passing through memory as whole tensors; the expanded rows
/// two bands share are computed once. expand_w NULL: no expansion (hidden = in_channels, the depthwise reads x).
/// expand_w and project_w packed by rk_pack_panels(w, rows C_out, depth C_in, C_in, 1, RK_GEMM_PANEL); dw_w [hidden][9];
/// biases may be NULL. Parts split the output rows of the batch.
void rk_inverted_residual(const rk_inverted *b, const float *x, const float *expand_w, const float *expand_bias,
                          const float *dw_w, const float *dw_bias, const float *project_w, const float *project_bias,
                          float *y, int part, int parts);

/// Runs `iterations` rounds of twelve independent vector FMA chains on the widest ISA in use (rk_isa) and returns the
/// floating-point operations done (2 per multiply-add): the FMA peak of a core, timed by the caller.
double rk_fma_chains(long iterations);

// MARK: kernel threads (KernelPool.c)

/// One part of a split job: `part` in 0..<parts.
typedef void (*rk_part_fn)(void *ctx, int part);

/// Runs fn(ctx, part) for every part in 0..<parts on the calling thread and the pool's spinning workers (at most one
/// per core besides the caller; parts beyond them are claimed in turn), each part exactly once, and returns 1 when all
/// have finished. Returns 0 without running anything when the pool cannot take the job (another split is in flight,
/// parts < 2, no worker thread could start, not Linux): the caller runs it otherwise.
int rk_pool_run(int parts, rk_part_fn fn, void *ctx);

// MARK: int8 (ConvInt8.c)

#include <stdint.h>

/// Largest weight magnitude of the int8 kernels: 7-bit weights, so AVX2's saturating u8·s8 pair sums stay exact.
#define RK_Q8_WEIGHT_MAX 63

/// 2 = AVX-512 VNNI (vpdpbusd) int8 kernel, 1 = AVX2 (vpmaddubsw + vpmaddwd). Both give the same s32 sums.
int rk_q8_isa(void);
/// 1 when rk_q8_conv runs 16-channel groups on the AMX tile unit (tdpbsud; Intel Sapphire Rapids and later, Linux
/// granting the tile state, RETICLE_AMX not "off", rk_q8_isa() 2): the same s32 sums.
int rk_q8_amx(void);
/// Declines the tile unit (1) or takes it where available (0), for tests; weights are packed for it either way.
void rk_q8_decline_amx(int on);

/// Bytes of an s8 weight [C_out][C_in][taps] packed for rk_q8_conv (4-channel panels; depth tap-major over C_in
/// padded to a multiple of 4, C₄).
size_t rk_q8_packed_bytes(int out_channels, int channels, int taps);
/// Packs w [C_out][C_in][taps] (|w| ≤ RK_Q8_WEIGHT_MAX) and writes wsum[oc] = Σ w[oc] (zero-point compensation).
void rk_q8_pack_weights(const int8_t *w, int out_channels, int channels, int taps, int8_t *packed, int32_t *wsum);

/// q = clamp(round_half_even(x·inv_scale + zero_point), 0, 255) (NaN → 0); parts split the values.
void rk_q8_quantize(const float *x, long count, float inv_scale, int zero_point, uint8_t *q, int part, int parts);

/// x [N][C][plane] → q [N][plane][C₄] (NHWC, channels padded to a multiple of 4 with the zero point), quantised as
/// rk_q8_quantize does; parts split the images into blocks of 32 pixels.
void rk_q8_quantize_nhwc(const float *x, int batch, int channels, long plane, float inv_scale, int zero_point,
                         uint8_t *q, int part, int parts);

/// A convolution (groups = 1) of u8 activations x (zero point `zero_point`, NHWC with C₄ channels as
/// rk_q8_quantize_nhwc writes them; `c->input_image_stride` = H·W·C₄)
/// with packed s8 weights: s[n][oc][p] = Σ_k w[oc][k]·(x_k − zero_point), padding counting as 0.0. With acc_out
/// non-NULL, s is stored there (s32, laid out as y); otherwise y = act(s·scale[oc] + bias[oc] + residual), bias and
/// residual optional. Parts split pixel blocks, which run across the images of the batch (and output channels when
/// there are few blocks).
void rk_q8_conv(const rk_conv *c, const uint8_t *x, int zero_point, const int8_t *packed_w, const int32_t *wsum,
                const float *scale, const float *bias, const float *residual, int activation, float *y,
                int32_t *acc_out, int part, int parts);

/// rk_q8_conv without a residual whose outputs are requantised for the next int8 convolution instead of stored as
/// fp32: yq [N][H_out·W_out][C₄_out] u8 (channels padded to a multiple of 4 with out_zero_point) holds exactly the
/// codes rk_q8_quantize_nhwc(inv_scale = out_inv_scale, out_zero_point) gives for the y rk_q8_conv would write, so it
/// is that convolution's x (`input_image_stride` = H_out·W_out·C₄_out). `c->output_image_stride` is not used.
void rk_q8_conv_requantize(const rk_conv *c, const uint8_t *x, int zero_point, const int8_t *packed_w, const int32_t *wsum,
                           const float *scale, const float *bias, int activation, float out_inv_scale, int out_zero_point,
                           uint8_t *yq, int part, int parts);

/// The naive oracle of rk_q8_conv's sums, on NCHW u8 x (`c->input_image_stride` = C·H·W): w unpacked
/// [C_out][C_in][kH][kW], acc laid out as y.
void rk_q8_conv_reference(const rk_conv *c, const uint8_t *x, int zero_point, const int8_t *w, int32_t *acc);

#endif
