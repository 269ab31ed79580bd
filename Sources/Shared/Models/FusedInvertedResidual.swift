// MobileNetV2's inverted residual block after folding, run by one kernel call
// (rk_inverted_residual, Sources/CKernels/ConvInvertedResidual.c) that carries
// each band of output rows through expansion, depthwise convolution and
// projection while the band is in cache, instead of passing two tensors six
// times the block's width through memory. Folding builds it from the folded
// convolutions it replaces and keeps them: a pass that records gradients runs
// them, and the int8 rewriter sees them, so quantised files keep their paths.

import CKernels
import Foundation

/// [expand 1×1 →] depthwise 3×3 → project 1×1 (+ the input), folded. Shapes: [N, C_in, H, W] → [N, C_out, H′, W′].
public struct FusedInvertedResidual: Layer {
    /// The folded convolutions in order: the expansion (absent when the block does not expand), the depthwise one
    /// and the projection, whose epilogue adds the input when `addsInput`.
    public let convolutions: [Conv2d]
    public let addsInput: Bool
    private let expandPacked: PackedConvWeights?
    private let projectPacked: PackedConvWeights

    /// The block `layers` make ([1×1, depthwise 3×3, 1×1] or [depthwise 3×3, 1×1], folded convolutions whose shapes
    /// chain), adding the input when `addsInput` (then stride 1 and as many output channels as input ones); nil when
    /// they are not such a block.
    init?(_ layers: [any Layer], addsInput: Bool) {
        guard Self.enabled else { return nil }
        let convs = layers.compactMap { $0 as? Conv2d }
        guard convs.count == layers.count, convs.count == 2 || convs.count == 3 else { return nil }
        let expand = convs.count == 3 ? convs[0] : nil, depthwise = convs[convs.count - 2], project = convs[convs.count - 1]
        guard Self.isDepthwise3x3(depthwise), Self.isPointwise(project),
              project.config.inChannels == depthwise.config.outChannels,
              expand.map({ Self.isPointwise($0) && $0.config.outChannels == depthwise.config.inChannels }) ?? true
        else { return nil }
        let inChannels = expand?.config.inChannels ?? depthwise.config.inChannels
        if addsInput && (depthwise.config.stride != 1 || project.config.outChannels != inChannels) { return nil }
        convolutions = convs
        self.addsInput = addsInput
        expandPacked = expand.map { PackedConvWeights(weight: $0.weight.value, groups: 1, panel: RK_GEMM_PANEL) }
        projectPacked = PackedConvWeights(weight: project.weight.value, groups: 1, panel: RK_GEMM_PANEL)
    }

    /// False with RETICLE_INVERTED_RESIDUAL=layers in the environment: folding leaves the blocks as separate
    /// convolutions (to measure what fusion gains).
    static let enabled = ProcessInfo.processInfo.environment["RETICLE_INVERTED_RESIDUAL"] != "layers"

    private static func isPointwise(_ c: Conv2d) -> Bool {
        let k = c.config
        return k.kernelSize == 1 && k.stride == 1 && k.padding == 0 && k.groups == 1
    }

    private static func isDepthwise3x3(_ c: Conv2d) -> Bool {
        let k = c.config
        return k.kernelSize == 3 && k.padding == 1 && k.dilation == 1 && (k.stride == 1 || k.stride == 2)
            && k.groups == k.inChannels && k.groups == k.outChannels
    }

    /// The layers as folding left them before fusion: a residual block whose projection adds the input, or the run.
    public var unfused: any Layer {
        guard addsInput else { return Sequential(convolutions) }
        return FusedResidualBlock(body: Array(convolutions.dropLast()), last: convolutions[convolutions.count - 1],
                                  shortcut: nil)
    }

    /// The convolutions' geometries over an input of `shape`, each reading the previous one's output.
    func geometries(inputShape shape: [Int]) -> [ConvGeometry] {
        var input = shape
        return convolutions.map { conv in
            let g = conv.config.geometry(inputShape: input)
            input = g.outputShape
            return g
        }
    }

    public func forward(_ x: Variable, _ ctx: ForwardContext) -> Variable {
        guard ctx.tape == nil, !ctx.training, x.value.rank == 4, x.shape[1] == convolutions[0].config.inChannels
        else { return unfused.forward(x, ctx) }
        let out = geometries(inputShape: x.shape).last!
        // Each thread's rows must fill two of the GEMM's 48-pixel tiles, or its bands waste most of each tile: with
        // 2 threads, MobileNetV2's blocks with 7×7 outputs took 480-620 µs fused against 380-560 layer by layer, those
        // at 14×14 and larger 10-50 % less fused (README, "Session 11").
        guard out.batch * out.outHeight * out.outWidth >= 2 * Int(RK_GEMM_NR) * Swift.max(1, Convolution.threads)
        else { return unfused.forward(x, ctx) }
        return Variable(fused(x.value))
    }

    /// The block on the fused kernel, whatever the size. Shapes: [N, C_in, H, W] → [N, C_out, H′, W′].
    func fused(_ x: Tensor) -> Tensor {
        let steps = geometries(inputShape: x.shape)
        let expand = expandPacked == nil ? nil : convolutions[0]
        let depthwise = convolutions[convolutions.count - 2], project = convolutions[convolutions.count - 1]
        let dw = steps[steps.count - 2]
        if let counted = Convolution.multiplyAddCounter {  // what the three convolutions would have counted
            Convolution.multiplyAddCounter = counted + steps.reduce(0) { $0 + $1.multiplyAdds }
        }
        var out = Tensor(uninitializedShape: steps[steps.count - 1].outputShape)
        var block = rk_inverted(batch: Int32(dw.batch), in_channels: Int32(x.shape[1]), hidden: Int32(dw.inChannels),
                                out_channels: Int32(project.config.outChannels), height: Int32(dw.height),
                                width: Int32(dw.width), stride: Int32(dw.strideH), out_height: Int32(dw.outHeight),
                                out_width: Int32(dw.outWidth), expand_act: expand?.fusedActivation.kernelCode ?? 0,
                                depthwise_act: depthwise.fusedActivation.kernelCode,
                                project_act: project.fusedActivation.kernelCode, residual: addsInput ? 1 : 0)
        let parts = Swift.max(1, Swift.min(Convolution.threads, dw.batch * dw.outHeight))
        func pointer(_ t: Tensor?) -> UnsafePointer<Float>? { t.map { UnsafePointer($0.storage.pointer) } }
        withExtendedLifetime((self, x)) {
            let eb = pointer(expand?.bias?.value), dww = pointer(depthwise.weight.value)!, db = pointer(depthwise.bias?.value)
            let pb = pointer(project.bias?.value), ew = expandPacked.map { UnsafePointer($0.scalars) }
            let pw = UnsafePointer(projectPacked.scalars), input = pointer(x)!
            out.withUnsafeMutablePointer { y in
                Convolution.runParts(parts) { part in
                    rk_inverted_residual(&block, input, ew, eb, dww, db, pw, pb, y, Int32(part), Int32(parts))
                }
            }
        }
        return out
    }

    public var namedParameters: [(name: String, parameter: Parameter)] { [] }
    public func foldedForInference() -> any Layer { self }
}

/// `layers` (a folded run) with every [1×1, depthwise 3×3, 1×1] or [depthwise 3×3, 1×1] stretch of convolutions
/// replaced by one `FusedInvertedResidual`, earliest first.
func fusingInvertedResiduals(_ layers: [any Layer]) -> [any Layer] {
    var out: [any Layer] = []
    var i = 0
    while i < layers.count {
        let block = [3, 2].lazy.compactMap { length in
            i + length <= layers.count ? FusedInvertedResidual(Array(layers[i..<(i + length)]), addsInput: false) : nil
        }.first
        if let block {
            out.append(block)
            i += block.convolutions.count
        } else {
            out.append(layers[i])
            i += 1
        }
    }
    return out
}
