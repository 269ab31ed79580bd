// Occlusion sensitivity (Zeiler & Fergus, "Visualizing and Understanding Convolutional
// Networks", ECCV 2014): slide a square of baseline pixels over the image and record how
// far the class score falls. Model-agnostic (it needs no gradient, so it explains texture
// models too) and easy to trust, at the price of one forward pass per window position.

import Foundation

public struct Occlusion {
    public let network: Network
    /// Side of the occluding square, in input pixels.
    public let window: Int
    /// Step between window positions, in input pixels.
    public let stride: Int
    /// The value written over the occluded pixels (0 is the mean image after normalisation).
    public let baseline: Float

    public init(network: Network, window: Int = 8, stride: Int = 4, baseline: Float = 0) {
        precondition(window >= 1 && stride >= 1, "occlusion needs a window and a stride of at least one pixel")
        self.network = network; self.window = window; self.stride = stride; self.baseline = baseline
    }

    /// Per image, the mean score drop of every window covering each pixel (negative drops, where
    /// hiding a region raises the score, count as zero), scaled to a maximum of 1.
    /// Shapes: input [N, C, H, W] → N maps of H × W.
    public func maps(_ input: Tensor, head: Int, classIndex: Int, batchSize: Int = 32) -> [SaliencyMap] {
        precondition(input.rank == 4, "occlusion needs [N, C, H, W], got \(input.shape)")
        let (n, c, h, w) = (input.shape[0], input.shape[1], input.shape[2], input.shape[3])
        let per = c * h * w
        let ys = Self.positions(extent: h, window: window, stride: stride)
        let xs = Self.positions(extent: w, window: window, stride: stride)
        let windows = ys.flatMap { y in xs.map { (x: $0, y: y) } }
        let spec = network.heads[head].spec
        func scores(_ batch: Tensor) -> [Float] {
            GradCAM.score(Variable(network.forwardHeads([Variable(batch)], .inference)[head].value), kind: spec.kind,
                          classIndex: classIndex, classCount: spec.classes.count).value.scalars
        }
        let x = input.scalars
        return (0..<n).map { i in
            let image = Array(x[(i * per)..<((i + 1) * per)])
            let reference = scores(Tensor(shape: [1, c, h, w], scalars: image))[0]
            var canvas = SaliencyCanvas(width: w, height: h)
            for start in Swift.stride(from: 0, to: windows.count, by: batchSize) {
                let chunk = windows[start..<Swift.min(windows.count, start + batchSize)]
                var batch = [Float](); batch.reserveCapacity(chunk.count * per)
                for win in chunk {
                    var copy = image
                    for ch in 0..<c { for yy in win.y..<Swift.min(h, win.y + window) { for xx in win.x..<Swift.min(w, win.x + window) {
                        copy[(ch * h + yy) * w + xx] = baseline
                    } } }
                    batch += copy
                }
                let occluded = scores(Tensor(shape: [chunk.count, c, h, w], scalars: batch))
                for (win, score) in zip(chunk, occluded) {
                    let side = (Swift.min(w, win.x + window) - win.x, Swift.min(h, win.y + window) - win.y)
                    canvas.add(SaliencyMap(width: side.0, height: side.1, repeating: Swift.max(0, reference - score)), x: win.x, y: win.y)
                }
            }
            return canvas.map.normalized()
        }
    }

    /// Window origins that cover 0..<extent, the last one flush with the far edge.
    static func positions(extent: Int, window: Int, stride: Int) -> [Int] {
        guard extent > window else { return [0] }
        var p = Array(Swift.stride(from: 0, through: extent - window, by: stride))
        if p.last! != extent - window { p.append(extent - window) }
        return p
    }
}
