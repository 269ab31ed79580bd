// Convolution on Reticle's own micro-kernels (Sources/CKernels): the direct
// kernel (input samples broadcast against packed output-channel vectors, no
// im2col) runs windows of several taps, long 1×1 ones with AVX-512, stride-1
// input gradients and the weight gradients of windows of several taps; the
// packed GEMM kernel (im2col fused into the packing of each cache block) runs
// the rest. Bias, residual and activation are applied as the output is written
// (README "The CNN core and model files").

import CKernels
import Foundation

/// Convolution weights packed for the micro-kernels, one block per group. Build once for inference
/// (`Conv2d.folding` does); training packs per step because the weights change.
public final class PackedConvWeights: @unchecked Sendable {
    let scalars: UnsafeMutablePointer<Float>
    let count: Int
    /// Floats per group's block.
    let groupStride: Int
    /// Rows per panel: RK_DIRECT_PANEL for the direct kernel, RK_GEMM_PANEL for the GEMM one.
    let panel: Int32
    /// What was packed (shares the tensor's storage), to pack again for the other kernel; nil for flipped weights.
    let weight: Tensor?
    /// The Winograd form of a 3×3 weight and the per-shape kernel choice (WinogradConvolution.swift).
    let winograd = WinogradPlan()

    /// Packs `weight` [C_out, C_in/groups, kH, kW] as `groups` row-major [C_out/groups × patch] matrices,
    /// for the kernel that runs convolutions with this weight's window (`Convolution.runsDirect`).
    public convenience init(weight: Tensor, groups: Int) {
        let patch = weight.count / weight.shape[0]
        let direct = Convolution.runsDirect(kernelH: weight.shape[2], kernelW: weight.shape[3], patch: patch)
        self.init(weight: weight, groups: groups, panel: direct ? RK_DIRECT_PANEL : RK_GEMM_PANEL)
    }

    /// `weight` packed in panels of `panel` rows (RK_DIRECT_PANEL or RK_GEMM_PANEL) whatever kernel its window
    /// would choose: the fused inverted residual runs its 1×1 convolutions on the GEMM micro-kernel.
    convenience init(weight: Tensor, groups: Int, panel: Int32) {
        let outPerGroup = weight.shape[0] / groups, patch = weight.count / weight.shape[0]
        self.init(weight, groups: groups, rows: outPerGroup, depth: patch, panel: panel) { grp, dst, part, parts in
            weight.withUnsafePointer { w in
                rk_pack_panels(w + grp * outPerGroup * patch, Int32(outPerGroup), Int32(patch), patch, 1, panel, dst, part, parts)
            }
        }
    }

    /// The transposed weights for the input gradient: per group [patch × C_out/groups].
    convenience init(transposing weight: Tensor, groups: Int) {
        let outPerGroup = weight.shape[0] / groups, patch = weight.count / weight.shape[0]
        self.init(weight, groups: groups, rows: patch, depth: outPerGroup, panel: RK_GEMM_PANEL) { grp, dst, part, parts in
            weight.withUnsafePointer { w in
                rk_pack_panels(w + grp * outPerGroup * patch, Int32(patch), Int32(outPerGroup), 1, patch, RK_GEMM_PANEL, dst,
                               part, parts)
            }
        }
    }

    /// The weight of a stride-1 convolution `g` flipped in space and transposed in channels, group by group, for
    /// its input gradient run as a forward convolution (`backwardInputPacked`).
    convenience init(flipping weight: Tensor, _ g: ConvGeometry, panel: Int32) {
        let taps = g.kernelH * g.kernelW
        self.init(nil, groups: g.groups, rows: g.inPerGroup, depth: g.outPerGroup * taps, panel: panel) { grp, dst, part, parts in
            weight.withUnsafePointer { w in
                rk_pack_flipped(w + grp * g.outPerGroup * g.inPerGroup * taps, Int32(g.outPerGroup), Int32(g.inPerGroup),
                                Int32(taps), panel, dst, part, parts)
            }
        }
    }

    /// `pack(group, destination, part, parts)` packs one part of one group's panels; parts run on the cores for
    /// large weights (a training step packs every weight).
    private init(_ weight: Tensor?, groups: Int, rows: Int, depth: Int, panel: Int32,
                 pack: (Int, UnsafeMutablePointer<Float>, Int32, Int32) -> Void) {
        self.weight = weight
        self.panel = panel
        groupStride = rk_packed_count(Int32(rows), Int32(depth), panel)
        count = groupStride * groups
        scalars = .allocate(capacity: Swift.max(count, 1))
        let parts = count >= 1 << 16 ? Swift.max(1, Convolution.threads) : 1
        let (base, stride) = (scalars, groupStride)
        Convolution.runParts(parts) { part in
            for grp in 0..<groups { pack(grp, base + grp * stride, Int32(part), Int32(parts)) }
        }
    }

    deinit { scalars.deallocate() }
}

extension Convolution {
    /// Which micro-kernels run: "avx512" or "avx2".
    public static var microKernelISA: String { rk_isa() == 2 ? "avx512" : "avx2" }

    /// Runs the AVX2 micro-kernels even where AVX-512 is available (tests cover both on one machine).
    static func forceAVX2(_ on: Bool) { rk_force_avx2(on ? 1 : 0) }

    /// The C description of group `grp` of `g`; pointers are offset by the caller.
    static func kernelShape(_ g: ConvGeometry) -> rk_conv {
        rk_conv(batch: Int32(g.batch), channels: Int32(g.inPerGroup), height: Int32(g.height), width: Int32(g.width),
                out_channels: Int32(g.outPerGroup), out_height: Int32(g.outHeight), out_width: Int32(g.outWidth),
                kernel_h: Int32(g.kernelH), kernel_w: Int32(g.kernelW), stride_h: Int32(g.strideH), stride_w: Int32(g.strideW),
                pad_h: Int32(g.padH), pad_w: Int32(g.padW), dilation_h: Int32(g.dilationH), dilation_w: Int32(g.dilationW),
                input_image_stride: g.inChannels * g.height * g.width,
                output_image_stride: g.outChannels * g.outHeight * g.outWidth)
    }

    /// Runs `body(part)` for parts 0..<parts (at most `ComputeThreads.perKernel`) on the machine's cores.
    static func runParts(_ parts: Int, _ body: (Int) -> Void) { ComputeThreads.run(parts: parts, body) }

    /// Which kernel runs a convolution's forward pass. Windows of several taps: the direct one. 1×1 windows (whose
    /// "im2col" is a plain copy): the direct one with AVX-512 unless the patch is short, the GEMM one with AVX2.
    /// Measured on one core (batch 16, 56×56): 256→64 runs 80 GFLOP/s direct against 56 GEMM with AVX-512,
    /// 24→144 runs 48 against 54; with AVX2, 64→256 runs 69 direct against 85 GEMM.
    static func runsDirect(kernelH: Int, kernelW: Int, patch: Int) -> Bool {
        kernelH * kernelW > 1 || (rk_isa() == 2 && patch >= 32)
    }

    /// `forward` on the micro-kernels. Shapes as `forward`.
    static func forwardPacked(_ g: ConvGeometry, input: Tensor, packed: PackedConvWeights, bias: Tensor?,
                              residual: Tensor?, activation: FusedActivation) -> Tensor {
        let direct = runsDirect(kernelH: g.kernelH, kernelW: g.kernelW, patch: g.patchSize)
        // Weights packed before the kernel choice changed (a test forcing AVX2) are packed again.
        let packed = packed.panel == (direct ? RK_DIRECT_PANEL : RK_GEMM_PANEL) ? packed
            : PackedConvWeights(weight: packed.weight!, groups: g.groups)
        var out = Tensor(uninitializedShape: g.outputShape)
        let act = activation.kernelCode
        let parts = Swift.max(1, threads)
        // The direct kernel reads a zero-padded copy of the input; the GEMM kernel pads as it packs.
        var (source, shape) = direct ? padded(g, input, parts: parts) : (input, kernelShape(g))
        let kernel = direct ? rk_conv_direct : rk_conv_forward
        let inGroup = g.inPerGroup * source.shape[2] * source.shape[3], outGroup = g.outPerGroup * g.outHeight * g.outWidth
        withExtendedLifetime((packed, bias, residual)) {
            let b = bias.map { UnsafePointer($0.storage.pointer) }, r = residual.map { UnsafePointer($0.storage.pointer) }
            source.withUnsafePointer { x in out.withUnsafeMutablePointer { y in
                runParts(parts) { part in
                    for grp in 0..<g.groups {
                        kernel(&shape, x + grp * inGroup, packed.scalars + grp * packed.groupStride, b.map { $0 + grp * g.outPerGroup },
                               r.map { $0 + grp * outGroup }, act, y + grp * outGroup, Int32(part), Int32(parts))
                    }
                }
            } }
        }
        return out
    }

    /// The input with `g`'s padding as zeros (the input itself when there is none), and the C description of `g`
    /// over it, for the direct kernels.
    static func padded(_ g: ConvGeometry, _ input: Tensor, parts: Int) -> (Tensor, rk_conv) {
        var shape = kernelShape(g)
        guard g.padH > 0 || g.padW > 0 else { return (input, shape) }
        var p = Tensor(uninitializedShape: [g.batch, g.inChannels, g.height + 2 * g.padH, g.width + 2 * g.padW])
        input.withUnsafePointer { x in p.withUnsafeMutablePointer { xp in
            runParts(parts) { part in rk_pad_input(&shape, Int32(g.inChannels), x, xp, Int32(part), Int32(parts)) }
        } }
        shape.input_image_stride = p.count / g.batch
        return (p, shape)
    }

    /// `backwardInput` on the micro-kernels. With stride 1 it is a forward convolution of the output gradient
    /// (padded by dilation·(k − 1) − padding) with the weight flipped in space and transposed in channels, so it
    /// runs on the direct kernel; strided convolutions scatter Wᵀ·dY back through col2im.
    static func backwardInputPacked(_ g: ConvGeometry, gradOutput: Tensor, weight: Tensor) -> Tensor {
        let padH = g.dilationH * (g.kernelH - 1) - g.padH, padW = g.dilationW * (g.kernelW - 1) - g.padW
        if g.strideH == 1 && g.strideW == 1 && padH >= 0 && padW >= 0 {
            let t = ConvGeometry(batch: g.batch, inChannels: g.outChannels, height: g.outHeight, width: g.outWidth,
                                 outChannels: g.inChannels, kernel: (g.kernelH, g.kernelW), padding: (padH, padW),
                                 dilation: (g.dilationH, g.dilationW), groups: g.groups)
            let direct = runsDirect(kernelH: t.kernelH, kernelW: t.kernelW, patch: t.patchSize)
            let packed = PackedConvWeights(flipping: weight, g, panel: direct ? RK_DIRECT_PANEL : RK_GEMM_PANEL)
            return forwardPacked(t, input: gradOutput, packed: packed, bias: nil, residual: nil, activation: .none)
        }
        return backwardInputScatter(g, gradOutput: gradOutput, weight: weight)
    }

    /// The input gradient as Wᵀ·dY on the GEMM kernel, folded back by col2im; parts split the images.
    static func backwardInputScatter(_ g: ConvGeometry, gradOutput: Tensor, weight: Tensor) -> Tensor {
        var gradInput = Tensor(shape: g.inputShape)
        let packed = PackedConvWeights(transposing: weight, groups: g.groups)
        var shape = kernelShape(g)
        let inGroup = g.inPerGroup * g.height * g.width, outGroup = g.outPerGroup * g.outHeight * g.outWidth
        let parts = Swift.max(1, Swift.min(threads, g.batch))
        withExtendedLifetime(packed) {
            gradOutput.withUnsafePointer { dy in gradInput.withUnsafeMutablePointer { dx in
                runParts(parts) { part in
                    for grp in 0..<g.groups {
                        rk_conv_backward_input(&shape, dy + grp * outGroup, packed.scalars + grp * packed.groupStride,
                                               dx + grp * inGroup, Int32(part), Int32(parts))
                    }
                }
            } }
        }
        return gradInput
    }

    /// The weight gradient on the micro-kernels.
    static func backwardWeightPacked(_ g: ConvGeometry, input: Tensor, gradOutput: Tensor) -> Tensor {
        var shape = kernelShape(g)
        let outGroup = g.outPerGroup * g.outHeight * g.outWidth, weightGroup = g.outPerGroup * g.patchSize
        guard g.kernelH * g.kernelW > 1 else {
            // 1×1 windows: the GEMM kernel, images split across parts, each summing into its own buffer (the direct
            // weight gradient lost to it on 1×1 windows at every size measured: 55 against 65 GFLOP/s).
            let parts = Swift.max(1, Swift.min(threads, g.batch))
            let inGroup = g.inPerGroup * g.height * g.width
            var partials = (0..<parts).map { _ in Tensor(shape: g.weightShape) }
            let addresses = (0..<parts).map { i in partials[i].withUnsafeMutablePointer { Int(bitPattern: $0) } }
            withExtendedLifetime(partials) {
                input.withUnsafePointer { x in gradOutput.withUnsafePointer { dy in
                    runParts(parts) { part in
                        let dw = UnsafeMutablePointer<Float>(bitPattern: addresses[part])!
                        for grp in 0..<g.groups {
                            rk_conv_backward_weight(&shape, x + grp * inGroup, dy + grp * outGroup, dw + grp * weightGroup,
                                                    Int32(part), Int32(parts))
                        }
                    }
                } }
            }
            var gradWeight = partials.removeFirst()
            for p in partials { gradWeight.add(p) }
            return gradWeight
        }
        // Windows of several taps: the direct kernel; parts split the entries of the one gradient, which they
        // write once each.
        let parts = Swift.max(1, threads)
        let (source, paddedShape) = padded(g, input, parts: parts)
        shape = paddedShape
        let inGroup = g.inPerGroup * source.shape[2] * source.shape[3]
        var gradWeight = Tensor(uninitializedShape: g.weightShape)
        source.withUnsafePointer { x in gradOutput.withUnsafePointer { dy in gradWeight.withUnsafeMutablePointer { dw in
            runParts(parts) { part in
                for grp in 0..<g.groups {
                    rk_conv_weight_grad_direct(&shape, x + grp * inGroup, dy + grp * outGroup, dw + grp * weightGroup,
                                               Int32(part), Int32(parts))
                }
            }
        } } }
        return gradWeight
    }
}
