// 2-D convolution: depthwise convolutions on the direct SIMD kernel
// (Depthwise.swift), every other one on Reticle's own micro-kernels
// (PackedConvolution.swift, Sources/CKernels). The naive 7-loop kernel at the
// end is the reference the property tests compare against.

import Foundation

/// An activation applied in the convolution's epilogue, while the output is still in cache.
public enum FusedActivation: String, Codable, Sendable {
    case none, relu, relu6

    /// The C kernels' `activation` argument (CKernels.h): 0 none, 1 ReLU, 2 ReLU6.
    var kernelCode: Int32 { self == .relu ? 1 : self == .relu6 ? 2 : 0 }

    @inline(__always) func apply(_ p: UnsafeMutablePointer<Float>, count: Int) {
        switch self {
        case .none: break
        case .relu: for i in 0..<count { p[i] = Swift.max(p[i], 0) }
        case .relu6: for i in 0..<count { p[i] = Swift.min(Swift.max(p[i], 0), 6) }
        }
    }
}

public enum Convolution {
    /// Parts each convolution, pooling and BatchNorm call splits into: `ComputeThreads.perKernel` (set the bound
    /// with `ComputeThreads.set`; loops running networks on threads of their own share it with `sharing`).
    public static var threads: Int { ComputeThreads.perKernel }

    /// Forward convolution: out = act(conv(input, weight) + bias + residual).
    ///
    /// Shapes: input `g.inputShape`, weight `g.weightShape`, bias [C_out], residual `g.outputShape`.
    /// `packed`: the weights already packed for the micro-kernels (inference); packed here when nil.
    public static func forward(_ g: ConvGeometry, input: Tensor, weight: Tensor, bias: Tensor? = nil,
                               residual: Tensor? = nil, activation: FusedActivation = .none,
                               packed: PackedConvWeights? = nil) -> Tensor {
        precondition(input.shape == g.inputShape, "conv input \(input.shape) ≠ \(g.inputShape) for \(g)")
        precondition(weight.shape == g.weightShape, "conv weight \(weight.shape) ≠ \(g.weightShape) for \(g)")
        precondition(bias == nil || bias!.shape == [g.outChannels], "conv bias must be [\(g.outChannels)]")
        precondition(residual == nil || residual!.shape == g.outputShape, "conv residual must be \(g.outputShape)")
        if let c = multiplyAddCounter { multiplyAddCounter = c + g.multiplyAdds }
        if g.isDepthwise && Depthwise.runsInC(g) {
            return Depthwise.forward3x3(g, input: input, weight: weight, bias: bias, residual: residual, activation: activation)
        }
        if g.isDepthwise && g.kernelH * g.kernelW > 1 {
            var out = Depthwise.forward(g, input: input, weight: weight, bias: bias)
            epilogue(g, &out, bias: nil, residual: residual, activation: activation)
            return out
        }
        // Prepacked weights mean inference: eligible 3×3 layers may run on Winograd (WinogradConvolution.swift).
        if let packed { return forwardChoosing(g, input: input, packed: packed, bias: bias, residual: residual, activation: activation) }
        return forwardPacked(g, input: input, packed: PackedConvWeights(weight: weight, groups: g.groups),
                             bias: bias, residual: residual, activation: activation)
    }

    /// y = act(y + bias + residual) over `count` contiguous outputs.
    @inline(__always)
    static func applyEpilogue(_ p: UnsafeMutablePointer<Float>, count: Int, bias: Float?, residual: UnsafePointer<Float>?,
                              activation: FusedActivation) {
        if let b = bias { for i in 0..<count { p[i] += b } }
        if let r = residual { for i in 0..<count { p[i] += r[i] } }
        activation.apply(p, count: count)
    }

    /// Adds bias and residual, then applies the activation, one output plane at a time.
    static func epilogue(_ g: ConvGeometry, _ out: inout Tensor, bias: Tensor?, residual: Tensor?, activation: FusedActivation) {
        if bias == nil && residual == nil && activation == .none { return }
        let ohw = g.outHeight * g.outWidth
        let biasScalars = bias?.scalars
        let residualBase = residual.map { UnsafePointer($0.storage.pointer) }
        withExtendedLifetime(residual) { out.withUnsafeMutablePointer { y in
            for plane in 0..<(g.batch * g.outChannels) {
                applyEpilogue(y + plane * ohw, count: ohw, bias: biasScalars?[plane % g.outChannels],
                              residual: residualBase.map { $0 + plane * ohw }, activation: activation)
            }
        } }
    }

    /// The reference: a direct 7-loop convolution accumulated in Double. Slow; tests only.
    public static func naiveForward(_ g: ConvGeometry, input: Tensor, weight: Tensor, bias: Tensor? = nil) -> Tensor {
        precondition(input.shape == g.inputShape && weight.shape == g.weightShape, "naive conv shapes for \(g)")
        var out = Tensor(shape: g.outputShape)
        let x = input.scalars, w = weight.scalars, b = bias?.scalars
        for n in 0..<g.batch {
            for oc in 0..<g.outChannels {
                let grp = oc / g.outPerGroup
                for oy in 0..<g.outHeight {
                    for ox in 0..<g.outWidth {
                        var sum = Double(b?[oc] ?? 0)
                        for ic in 0..<g.inPerGroup {
                            let c = grp * g.inPerGroup + ic
                            for ky in 0..<g.kernelH {
                                let iy = oy * g.strideH - g.padH + ky * g.dilationH
                                guard iy >= 0 && iy < g.height else { continue }
                                for kx in 0..<g.kernelW {
                                    let ix = ox * g.strideW - g.padW + kx * g.dilationW
                                    guard ix >= 0 && ix < g.width else { continue }
                                    sum += Double(x[((n * g.inChannels + c) * g.height + iy) * g.width + ix])
                                        * Double(w[((oc * g.inPerGroup + ic) * g.kernelH + ky) * g.kernelW + kx])
                                }
                            }
                        }
                        out[n, oc, oy, ox] = Float(sum)
                    }
                }
            }
        }
        return out
    }
}
