// int8 convolution on Reticle's C kernels (Sources/CKernels/ConvInt8.c): fp32
// activations quantised per tensor to u8 (with a zero point) straight into the
// NHWC layout the kernel's fused im2col packing reads, s8 weights per output
// channel, s32 sums, and the dequantisation, bias, residual and activation
// applied while the sums are still in registers. Activations between layers
// stay fp32 (README "int8 inference").

import CKernels
import Foundation

/// How a tensor's fp32 values map to u8: x ≈ scale · (q − zeroPoint), q in 0...255 (asymmetric, per tensor).
public struct ActivationQuantization: Codable, Equatable, Sendable {
    public var scale: Float
    public var zeroPoint: Int

    public init(scale: Float, zeroPoint: Int) {
        precondition(scale > 0 && scale.isFinite && (0...255).contains(zeroPoint), "invalid activation quantisation \(scale), \(zeroPoint)")
        self.scale = scale; self.zeroPoint = zeroPoint
    }

    /// The range [low, high], widened to hold 0 so that 0.0 (padding, ReLU's floor) is exactly a code.
    public init(low: Float, high: Float) {
        let lo = Swift.min(low, 0), hi = Swift.max(high, 0)
        // Divided first so ±3e38 cannot overflow to infinity, floored so a range of a few ulps cannot reach 0.
        let scale = hi > lo ? Swift.max(hi / 255 - lo / 255, Float.leastNormalMagnitude) : 1
        self.init(scale: scale, zeroPoint: Int((-lo / scale).rounded(.toNearestOrEven)).clamped(0, 255))
    }

    /// The codes of `x` (NCHW kept), as rk_q8_quantize computes them: the definition the oracle tests use.
    public func codes(_ x: Tensor) -> [UInt8] {
        [UInt8](unsafeUninitializedCapacity: Swift.max(x.count, 1)) { buffer, count in
            x.withUnsafePointer { rk_q8_quantize($0, x.count, 1 / scale, Int32(zeroPoint), buffer.baseAddress!, 0, 1) }
            count = x.count
        }
    }
}

extension Int {
    func clamped(_ lo: Int, _ hi: Int) -> Int { Swift.min(Swift.max(self, lo), hi) }
}

/// s8 convolution weights [C_out, C_in, kH, kW] packed once for the int8 kernel, with each output channel's weight
/// sum (the zero-point compensation: Σ w·(q − z) = Σ w·q − z·Σ w).
public final class PackedInt8Weights: @unchecked Sendable {
    let bytes: UnsafeMutablePointer<Int8>
    let sums: [Int32]

    public init(_ weights: [Int8], outChannels: Int, inChannels: Int, taps: Int) {
        precondition(weights.count == outChannels * inChannels * taps, "int8 weight count \(weights.count) ≠ \(outChannels)·\(inChannels)·\(taps)")
        precondition(weights.allSatisfy { abs(Int($0)) <= Int(RK_Q8_WEIGHT_MAX) }, "int8 weights must lie in ±\(RK_Q8_WEIGHT_MAX)")
        let size = rk_q8_packed_bytes(Int32(outChannels), Int32(inChannels), Int32(taps))
        let bytes = UnsafeMutablePointer<Int8>.allocate(capacity: Swift.max(size, 1))
        var sums = [Int32](repeating: 0, count: outChannels)
        weights.withUnsafeBufferPointer { w in
            rk_q8_pack_weights(w.baseAddress!, Int32(outChannels), Int32(inChannels), Int32(taps), bytes, &sums)
        }
        self.bytes = bytes
        self.sums = sums
    }

    deinit { bytes.deallocate() }
}

public enum Int8Convolution {
    /// Which int8 kernels run: "amx+avx512-vnni" (tdpbsud for groups of 16 output channels, vpdpbusd for the rest),
    /// "avx512-vnni" (vpdpbusd) or "avx2" (vpmaddubsw + vpmaddwd); the sums are the same.
    public static var kernelISA: String {
        rk_q8_amx() == 1 ? "amx+avx512-vnni" : rk_q8_isa() == 2 ? "avx512-vnni" : "avx2"
    }

    /// Runs the VNNI kernels instead of the AMX tile unit (true) or takes it where available (false), for tests.
    static func declineAMX(_ on: Bool) { rk_q8_decline_amx(on ? 1 : 0) }

    /// Largest |weight| the kernels take (7 bits: see ConvInt8.c on AVX2's saturating pair sums).
    public static let weightLimit = Int(RK_Q8_WEIGHT_MAX)

    /// Channels padded to a multiple of 4 (C₄), as the NHWC codes hold them.
    static func paddedChannels(_ channels: Int) -> Int { (channels + 3) & ~3 }

    /// The C description of `g` reading `codes` [N][H·W][C₄] (an image is H·W·C₄ codes), checked to be enough.
    private static func codesShape(_ g: ConvGeometry, codes: Int) -> rk_conv {
        precondition(g.groups == 1, "the int8 kernel runs ungrouped convolutions")
        let image = g.height * g.width * paddedChannels(g.inChannels)
        precondition(codes >= g.batch * image, "int8 codes \(codes) too few for \(g)")
        var shape = Convolution.kernelShape(g)
        shape.input_image_stride = image
        return shape
    }

    /// x quantised into [N][H·W][C₄] u8 (channels padded to a multiple of 4 with the zero point).
    static func quantizeNHWC(_ x: Tensor, _ q: ActivationQuantization, parts: Int) -> [UInt8] {
        let (n, c, plane) = (x.shape[0], x.shape[1], x.shape[2] * x.shape[3])
        let count = n * plane * paddedChannels(c)
        return [UInt8](unsafeUninitializedCapacity: Swift.max(count, 1)) { buffer, written in
            let dst = buffer.baseAddress!
            x.withUnsafePointer { src in
                Convolution.runParts(parts) { part in
                    rk_q8_quantize_nhwc(src, Int32(n), Int32(c), plane, 1 / q.scale, Int32(q.zeroPoint), dst, Int32(part), Int32(parts))
                }
            }
            written = count
        }
    }

    /// act(dequantised int8 convolution + bias + residual). `outputScales[oc]` = input scale · weight scale of oc.
    /// Shapes: input [N, C_in, H, W], residual [N, C_out, H_out, W_out] → [N, C_out, H_out, W_out]. groups = 1.
    static func forward(_ g: ConvGeometry, input: Tensor, quantization q: ActivationQuantization, weights: PackedInt8Weights,
                        outputScales: [Float], bias: [Float], residual: Tensor?, activation: FusedActivation) -> Tensor {
        forward(g, codes: quantizeNHWC(input, q, parts: Swift.max(1, Convolution.threads)), zeroPoint: q.zeroPoint, weights: weights,
                outputScales: outputScales, bias: bias, residual: residual, activation: activation)
    }

    /// As `forward(_:input:…)` on input already quantised: `codes` [N][H·W][C₄] as `quantizeNHWC` writes them.
    static func forward(_ g: ConvGeometry, codes: [UInt8], zeroPoint: Int, weights: PackedInt8Weights,
                        outputScales: [Float], bias: [Float], residual: Tensor?, activation: FusedActivation) -> Tensor {
        var shape = codesShape(g, codes: codes.count)
        let parts = Swift.max(1, Convolution.threads)
        var out = Tensor(uninitializedShape: g.outputShape)
        withExtendedLifetime((weights, residual)) {
            let r = residual.map { UnsafePointer($0.storage.pointer) }
            codes.withUnsafeBufferPointer { x in outputScales.withUnsafeBufferPointer { s in weights.sums.withUnsafeBufferPointer { ws in
                bias.withUnsafeBufferPointer { b in out.withUnsafeMutablePointer { y in
                    Convolution.runParts(parts) { part in
                        rk_q8_conv(&shape, x.baseAddress!, Int32(zeroPoint), weights.bytes, ws.baseAddress!, s.baseAddress!, b.baseAddress!, r,
                                   activation.kernelCode, y, nil, Int32(part), Int32(parts))
                    }
                } }
            } } }
        }
        return out
    }

    /// The convolution's output (no residual) quantised as `output` straight from the kernel's registers, in the
    /// [N][H_out·W_out][C₄_out] layout the next int8 convolution reads: the same codes as `forward` followed by
    /// `quantizeNHWC(…, output)`, bit for bit, without the fp32 tensor between.
    static func requantized(_ g: ConvGeometry, codes: [UInt8], zeroPoint: Int, weights: PackedInt8Weights, outputScales: [Float],
                            bias: [Float], activation: FusedActivation, output: ActivationQuantization) -> [UInt8] {
        var shape = codesShape(g, codes: codes.count)
        let parts = Swift.max(1, Convolution.threads)
        let count = g.batch * g.outHeight * g.outWidth * paddedChannels(g.outChannels)
        return [UInt8](unsafeUninitializedCapacity: Swift.max(count, 1)) { buffer, written in
            let yq = buffer.baseAddress!
            withExtendedLifetime(weights) {
                codes.withUnsafeBufferPointer { x in outputScales.withUnsafeBufferPointer { s in weights.sums.withUnsafeBufferPointer { ws in
                    bias.withUnsafeBufferPointer { b in
                        Convolution.runParts(parts) { part in
                            rk_q8_conv_requantize(&shape, x.baseAddress!, Int32(zeroPoint), weights.bytes, ws.baseAddress!, s.baseAddress!,
                                                  b.baseAddress!, activation.kernelCode, 1 / output.scale, Int32(output.zeroPoint),
                                                  yq, Int32(part), Int32(parts))
                        }
                    }
                } } }
            }
            written = count
        }
    }

    /// The s32 sums Σ w·(q − z) the fast kernel computes for `input` (tests compare them with `referenceSums`).
    static func sums(_ g: ConvGeometry, input: Tensor, quantization q: ActivationQuantization, weights: PackedInt8Weights, parts: Int) -> [Int32] {
        let codes = quantizeNHWC(input, q, parts: parts)
        var shape = codesShape(g, codes: codes.count)
        var acc = [Int32](repeating: 0, count: g.outputShape.reduce(1, *))
        withExtendedLifetime(weights) {
            codes.withUnsafeBufferPointer { x in weights.sums.withUnsafeBufferPointer { ws in acc.withUnsafeMutableBufferPointer { a in
                Convolution.runParts(parts) { part in
                    rk_q8_conv(&shape, x.baseAddress!, Int32(q.zeroPoint), weights.bytes, ws.baseAddress!, nil, nil, nil, 0, nil,
                               a.baseAddress!, Int32(part), Int32(parts))
                }
            } } }
        }
        return acc
    }

    /// The naive oracle: the same sums by the definition, on NCHW codes and unpacked weights [C_out, C_in, kH, kW].
    static func referenceSums(_ g: ConvGeometry, codes: [UInt8], zeroPoint: Int, weights: [Int8]) -> [Int32] {
        var shape = Convolution.kernelShape(g)
        var acc = [Int32](repeating: 0, count: g.outputShape.reduce(1, *))
        rk_q8_conv_reference(&shape, codes, Int32(zeroPoint), weights, &acc)
        return acc
    }
}
