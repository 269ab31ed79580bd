// An image as the network's input, prepared the way every command that reads
// images one by one prepares them (tiles, DICOM frames, MedMNIST images, the
// calibration images of `model quantize`).

extension Preprocessing {
    /// `image` (0…1) as the network's input: resampled to the model's size, brought to its channels
    /// (colour made grey, or grey repeated), normalised by its mean and spread. Shapes: one image → [C, H, W].
    public func tensor(_ image: Image) throws -> Tensor {
        var img = image
        if img.channels != channels {
            if channels == 1 {
                img = img.grayscale()
            } else {
                let g = img.grayscale().floatPixels()
                img = Image(width: img.width, height: img.height, channels: channels,
                            storage: .float32(g.flatMap { [Float](repeating: $0, count: channels) }))
            }
        }
        if img.width != width || img.height != height {
            img = try Resampler.resample(img, width: width, height: height, sampleType: .float32)
        }
        let f = img.floatPixels(), hw = width * height, c = channels
        var out = [Float](repeating: 0, count: c * hw)
        for ch in 0..<c {
            let m = mean[ch], s = 1 / std[ch]
            for i in 0..<hw { out[ch * hw + i] = (f[i * c + ch] - m) * s }
        }
        return Tensor(shape: [c, height, width], scalars: out)
    }
}
