// The shape bookkeeping of one 2-D convolution or pooling window: sizes,
// stride, padding, dilation, groups, and the output size they imply.

/// Geometry of a 2-D convolution over NCHW input.
///
/// Shapes: input [N, C_in, H, W], weight [C_out, C_in/groups, kH, kW], output [N, C_out, H_out, W_out]
/// with H_out = (H + 2·padH − dilationH·(kH−1) − 1) / strideH + 1 (likewise W_out), as in PyTorch.
public struct ConvGeometry: Equatable, Hashable, Sendable, CustomStringConvertible {
    public var batch, inChannels, height, width: Int
    public var outChannels, kernelH, kernelW: Int
    public var strideH, strideW, padH, padW, dilationH, dilationW, groups: Int

    public init(batch: Int, inChannels: Int, height: Int, width: Int, outChannels: Int,
                kernel: (Int, Int), stride: (Int, Int) = (1, 1), padding: (Int, Int) = (0, 0),
                dilation: (Int, Int) = (1, 1), groups: Int = 1) {
        self.batch = batch; self.inChannels = inChannels; self.height = height; self.width = width
        self.outChannels = outChannels; kernelH = kernel.0; kernelW = kernel.1
        strideH = stride.0; strideW = stride.1; padH = padding.0; padW = padding.1
        dilationH = dilation.0; dilationW = dilation.1; self.groups = groups
        precondition(groups >= 1 && inChannels % groups == 0 && outChannels % groups == 0,
                     "groups \(groups) must divide in \(inChannels) and out \(outChannels) channels")
        precondition(kernelH >= 1 && kernelW >= 1 && strideH >= 1 && strideW >= 1 && dilationH >= 1 && dilationW >= 1
                     && padH >= 0 && padW >= 0, "invalid convolution parameters: \(self)")
        precondition(outHeight >= 1 && outWidth >= 1, "convolution output would be empty: \(self)")
    }

    public var outHeight: Int { (height + 2 * padH - dilationH * (kernelH - 1) - 1) / strideH + 1 }
    public var outWidth: Int { (width + 2 * padW - dilationW * (kernelW - 1) - 1) / strideW + 1 }
    public var inPerGroup: Int { inChannels / groups }
    public var outPerGroup: Int { outChannels / groups }
    /// Rows of the im2col matrix for one group: C_in/groups · kH · kW.
    public var patchSize: Int { inPerGroup * kernelH * kernelW }
    public var inputShape: [Int] { [batch, inChannels, height, width] }
    public var weightShape: [Int] { [outChannels, inPerGroup, kernelH, kernelW] }
    public var outputShape: [Int] { [batch, outChannels, outHeight, outWidth] }
    /// A 1×1, stride-1, unpadded convolution is a plain GEMM on the input; no im2col needed.
    public var isPointwise: Bool {
        kernelH == 1 && kernelW == 1 && strideH == 1 && strideW == 1 && padH == 0 && padW == 0
    }
    /// One filter per channel (MobileNet's depthwise convolution): GEMM fits badly, a direct kernel runs it.
    public var isDepthwise: Bool { groups == inChannels && groups == outChannels && groups > 1 }
    /// Multiply-adds of the forward pass, for throughput figures.
    public var multiplyAdds: Int { batch * outChannels * outHeight * outWidth * patchSize }

    public var description: String {
        "conv(N\(batch) C\(inChannels)→\(outChannels) \(height)×\(width) k\(kernelH)×\(kernelW) s\(strideH),\(strideW) "
            + "p\(padH),\(padW) d\(dilationH),\(dilationW) g\(groups))"
    }
}
