// im2col / col2im: unfold each convolution window of one image and group into
// a column so the convolution becomes one GEMM (and fold the gradient back).

enum Im2col {
    /// Unfolds `input` ([C_in/groups, H, W] of one group of one image) into
    /// `columns` ([patchSize, rows.count·W_out]) for output rows `rows` (default all); out-of-image taps are zero.
    /// `rowStride` (default rows.count·W_out) lets several images' columns sit side by side in one wider matrix.
    static func unfold(_ g: ConvGeometry, input: UnsafePointer<Float>, columns: UnsafeMutablePointer<Float>, rows: Range<Int>? = nil,
                       rowStride: Int? = nil) {
        let rows = rows ?? 0..<g.outHeight
        let oh = rows.count, ow = g.outWidth, plane = g.height * g.width
        let stride = rowStride ?? oh * ow
        var row = 0
        for c in 0..<g.inPerGroup {
            let src = input + c * plane
            for ky in 0..<g.kernelH {
                for kx in 0..<g.kernelW {
                    let dst = columns + row * stride
                    let xOff = kx * g.dilationW
                    let xs = ConvGeometry.validRange(outExtent: ow, inExtent: g.width, stride: g.strideW, pad: g.padW, offset: xOff)
                    for oy in rows {
                        let iy = oy * g.strideH - g.padH + ky * g.dilationH
                        let d = dst + (oy - rows.lowerBound) * ow
                        guard iy >= 0 && iy < g.height && !xs.isEmpty else {
                            d.update(repeating: 0, count: ow)
                            continue
                        }
                        if xs.lowerBound > 0 { d.update(repeating: 0, count: xs.lowerBound) }
                        if xs.upperBound < ow { (d + xs.upperBound).update(repeating: 0, count: ow - xs.upperBound) }
                        let s = src + iy * g.width - g.padW + xOff
                        if g.strideW == 1 {
                            (d + xs.lowerBound).update(from: s + xs.lowerBound, count: xs.count)
                        } else {
                            for ox in xs { d[ox] = s[ox * g.strideW] }
                        }
                    }
                    row += 1
                }
            }
        }
    }

    /// Adds `columns` ([patchSize, H_out·W_out], rows `rowStride` apart) back into `input` ([C_in/groups, H, W]):
    /// the adjoint of `unfold`.
    static func fold(_ g: ConvGeometry, columns: UnsafePointer<Float>, input: UnsafeMutablePointer<Float>, rowStride: Int? = nil) {
        let oh = g.outHeight, ow = g.outWidth, plane = g.height * g.width
        let stride = rowStride ?? oh * ow
        var row = 0
        for c in 0..<g.inPerGroup {
            let dstPlane = input + c * plane
            for ky in 0..<g.kernelH {
                for kx in 0..<g.kernelW {
                    let src = columns + row * stride
                    let xOff = kx * g.dilationW
                    let xs = ConvGeometry.validRange(outExtent: ow, inExtent: g.width, stride: g.strideW, pad: g.padW, offset: xOff)
                    for oy in 0..<oh {
                        let iy = oy * g.strideH - g.padH + ky * g.dilationH
                        guard iy >= 0 && iy < g.height else { continue }
                        let d = dstPlane + iy * g.width - g.padW + xOff
                        let s = src + oy * ow
                        for ox in xs { d[ox * g.strideW] += s[ox] }
                    }
                    row += 1
                }
            }
        }
    }
}
