// Direct depthwise convolution (one filter per channel, MobileNet): GEMM fits
// badly here (K = kH·kW is tiny), so each channel is zero-padded once and swept
// with SIMD8 fused multiply-adds along the output row. 3×3 windows with stride 1
// or 2 (all of MobileNetV2's) run on the C kernel instead, epilogue fused.

import CKernels

enum Depthwise {
    /// Whether the C kernel (ConvDepthwise.c, AVX2, epilogue fused) runs `g`: 3×3, stride 1 or 2 both ways, no dilation.
    static func runsInC(_ g: ConvGeometry) -> Bool {
        g.kernelH == 3 && g.kernelW == 3 && g.strideH == g.strideW && g.strideH <= 2 && g.dilationH == 1 && g.dilationW == 1
    }

    /// y = act(depthwise3×3(x) + bias + residual) on the C kernel. Shapes as `forward`; residual as the output.
    static func forward3x3(_ g: ConvGeometry, input: Tensor, weight: Tensor, bias: Tensor?, residual: Tensor?,
                           activation: FusedActivation) -> Tensor {
        var out = Tensor(uninitializedShape: g.outputShape)
        var shape = Convolution.kernelShape(g)
        shape.channels = Int32(g.inChannels)
        shape.out_channels = Int32(g.outChannels)
        let act = activation.kernelCode
        let parts = Swift.max(1, Swift.min(Convolution.threads, g.batch * g.inChannels))
        withExtendedLifetime((bias, residual)) {
            let b = bias.map { UnsafePointer($0.storage.pointer) }, r = residual.map { UnsafePointer($0.storage.pointer) }
            input.withUnsafePointer { x in weight.withUnsafePointer { w in out.withUnsafeMutablePointer { y in
                Convolution.runParts(parts) { part in rk_depthwise3x3(&shape, x, w, b, r, act, y, Int32(part), Int32(parts)) }
            } } }
        }
        return out
    }

    /// Copies one [H, W] plane into the middle of a zeroed [H+2ph, W+2pw] buffer.
    @inline(__always)
    private static func pad(_ g: ConvGeometry, _ src: UnsafePointer<Float>, into dst: UnsafeMutablePointer<Float>) {
        let pw = g.width + 2 * g.padW
        dst.update(repeating: 0, count: (g.height + 2 * g.padH) * pw)
        for y in 0..<g.height { (dst + (y + g.padH) * pw + g.padW).update(from: src + y * g.width, count: g.width) }
    }

    /// Shapes: input [N, C, H, W], weight [C, 1, kH, kW], bias [C] → [N, C, H_out, W_out].
    static func forward(_ g: ConvGeometry, input: Tensor, weight: Tensor, bias: Tensor?) -> Tensor {
        precondition(g.isDepthwise, "depthwise kernel called for \(g)")
        var out = Tensor(shape: g.outputShape)
        let ph = g.height + 2 * g.padH, pw = g.width + 2 * g.padW
        let oh = g.outHeight, ow = g.outWidth, kh = g.kernelH, kw = g.kernelW
        let sx = g.strideW, sy = g.strideH, dx = g.dilationW, dy = g.dilationH
        let biasScalars = bias?.scalars
        let planes = g.batch * g.inChannels
        // Planes are independent: split them across threads, each with its own padded buffer.
        let workers = Swift.max(1, Swift.min(Convolution.threads, planes))
        input.withUnsafePointer { x in weight.withUnsafePointer { w in out.withUnsafeMutablePointer { y in
            let yAddress = Int(bitPattern: y)
            Convolution.runParts(workers) { worker in
                let y = UnsafeMutablePointer<Float>(bitPattern: yAddress)!
                let padded = UnsafeMutablePointer<Float>.allocate(capacity: ph * pw + 16)
                padded.update(repeating: 0, count: ph * pw + 16)
                defer { padded.deallocate() }
                for plane in (planes * worker / workers)..<(planes * (worker + 1) / workers) {
                    let c = plane % g.inChannels
                    pad(g, x + plane * g.height * g.width, into: padded)
                    let wc = w + c * kh * kw
                    let b = biasScalars?[c] ?? 0
                    let dst = y + plane * oh * ow
                    for oy in 0..<oh {
                        let row = dst + oy * ow
                        var ox = 0
                        if sx == 1 {
                            // Eight outputs at once: each tap is one unaligned load and one FMA.
                            while ox + 8 <= ow {
                                var acc = SIMD8<Float>(repeating: b)
                                for ky in 0..<kh {
                                    let src = padded + (oy * sy + ky * dy) * pw + ox
                                    for kx in 0..<kw {
                                        let v = UnsafeRawPointer(src + kx * dx).loadUnaligned(as: SIMD8<Float>.self)
                                        acc.addProduct(v, SIMD8(repeating: wc[ky * kw + kx]))
                                    }
                                }
                                UnsafeMutableRawPointer(row + ox).storeBytes(of: acc, as: SIMD8<Float>.self)
                                ox += 8
                            }
                        } else if sx == 2 {
                            // Stride 2 (MobileNet's downsampling): load sixteen inputs, keep the even ones.
                            // The last load may read one float past the row: the buffer has slack for it.
                            while ox + 8 <= ow {
                                var acc = SIMD8<Float>(repeating: b)
                                for ky in 0..<kh {
                                    let src = padded + (oy * sy + ky * dy) * pw + 2 * ox
                                    for kx in 0..<kw {
                                        let v = UnsafeRawPointer(src + kx * dx).loadUnaligned(as: SIMD16<Float>.self).evenHalf
                                        acc.addProduct(v, SIMD8(repeating: wc[ky * kw + kx]))
                                    }
                                }
                                UnsafeMutableRawPointer(row + ox).storeBytes(of: acc, as: SIMD8<Float>.self)
                                ox += 8
                            }
                        }
                        while ox < ow {
                            var acc = b
                            for ky in 0..<kh {
                                let src = padded + (oy * sy + ky * dy) * pw + ox * sx
                                for kx in 0..<kw { acc = acc.addingProduct(src[kx * dx], wc[ky * kw + kx]) }
                            }
                            row[ox] = acc
                            ox += 1
                        }
                    }
                }
            }
        } } }
        return out
    }

    /// Shapes: gradOutput [N, C, H_out, W_out], weight [C, 1, kH, kW] → [N, C, H, W].
    static func backwardInput(_ g: ConvGeometry, gradOutput: Tensor, weight: Tensor) -> Tensor {
        var gradInput = Tensor(shape: g.inputShape)
        let ph = g.height + 2 * g.padH, pw = g.width + 2 * g.padW
        let oh = g.outHeight, ow = g.outWidth, kh = g.kernelH, kw = g.kernelW
        let padded = UnsafeMutablePointer<Float>.allocate(capacity: ph * pw)
        defer { padded.deallocate() }
        gradOutput.withUnsafePointer { dyp in weight.withUnsafePointer { w in gradInput.withUnsafeMutablePointer { dxp in
            for n in 0..<g.batch {
                for c in 0..<g.inChannels {
                    padded.update(repeating: 0, count: ph * pw)
                    let wc = w + c * kh * kw
                    let src = dyp + (n * g.inChannels + c) * oh * ow
                    for oy in 0..<oh {
                        for ky in 0..<kh {
                            let prow = padded + (oy * g.strideH + ky * g.dilationH) * pw
                            for kx in 0..<kw {
                                let wv = wc[ky * kw + kx]
                                let p = prow + kx * g.dilationW
                                for ox in 0..<ow { p[ox * g.strideW] = p[ox * g.strideW].addingProduct(wv, src[oy * ow + ox]) }
                            }
                        }
                    }
                    // Crop the padding away.
                    let dst = dxp + (n * g.inChannels + c) * g.height * g.width
                    for y in 0..<g.height { (dst + y * g.width).update(from: padded + (y + g.padH) * pw + g.padW, count: g.width) }
                }
            }
        } } }
        return gradInput
    }

    /// Shapes: input [N, C, H, W], gradOutput [N, C, H_out, W_out] → [C, 1, kH, kW].
    static func backwardWeight(_ g: ConvGeometry, input: Tensor, gradOutput: Tensor) -> Tensor {
        var gradWeight = Tensor(shape: g.weightShape)
        let ph = g.height + 2 * g.padH, pw = g.width + 2 * g.padW
        let oh = g.outHeight, ow = g.outWidth, kh = g.kernelH, kw = g.kernelW
        let padded = UnsafeMutablePointer<Float>.allocate(capacity: ph * pw)
        defer { padded.deallocate() }
        input.withUnsafePointer { x in gradOutput.withUnsafePointer { dyp in gradWeight.withUnsafeMutablePointer { dw in
            for n in 0..<g.batch {
                for c in 0..<g.inChannels {
                    pad(g, x + (n * g.inChannels + c) * g.height * g.width, into: padded)
                    let src = dyp + (n * g.inChannels + c) * oh * ow
                    for ky in 0..<kh {
                        for kx in 0..<kw {
                            var acc: Float = 0
                            for oy in 0..<oh {
                                let prow = padded + (oy * g.strideH + ky * g.dilationH) * pw + kx * g.dilationW
                                for ox in 0..<ow { acc = acc.addingProduct(prow[ox * g.strideW], src[oy * ow + ox]) }
                            }
                            dw[(c * kh + ky) * kw + kx] += acc
                        }
                    }
                }
            }
        } } }
        return gradWeight
    }
}
