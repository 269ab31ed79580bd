// Model inputs from a folder of images, prepared as the manifest's preprocessing
// says (channels, physical scale when the image declares its own, size, mean and
// std): what `reticle model quantize` calibrates on and checks its accuracy on.
// Images at least the model's size give up to `patchesPerImage` evenly spread
// crops (micrographs, slide regions); smaller ones are resampled to the model's
// size (tiles).

import Foundation

public struct CalibrationImages {
    /// One prepared input [C, H, W] per crop, in file order, and the file each came from.
    public var samples: [(file: String, tensor: Tensor)] = []
    /// Files that could not be read, with the reason (they are skipped).
    public var skipped: [String] = []

    /// The image files of `folder` (recursively) that `reader` takes, sorted by path.
    public static func files(in folder: String, reader: ImageReader = .rasters) throws -> [String] {
        let collector = InputCollector(accepts: { reader.accepts(path: $0) })
        return try collector.collect([folder]).map(\.path).sorted()
    }

    /// Reads and prepares `files` as the manifest's preprocessing says, or through `preparation` (a domain's own
    /// input pipeline); unreadable ones are listed in `skipped`, the rest go on.
    public init(files: [String], preprocessing p: Preprocessing, patchesPerImage: Int, preparation: CalibrationInputPreparation? = nil) {
        for path in files {
            do {
                let inputs = try preparation.map { try $0.prepare(path, patchesPerImage) }
                    ?? Self.prepare(ImageFile.read(path: path), p, patches: patchesPerImage)
                for t in inputs { samples.append((path, t)) }
            } catch {
                skipped.append("\(path): \((error as? ReticleError)?.reason ?? "\(error)")")
            }
        }
    }

    static func prepare(_ image: Image, _ p: Preprocessing, patches: Int) throws -> [Tensor] {
        var img = image
        // A model trained at a physical scale sees images resampled to it, as its commands resample them; an image
        // without a calibration is taken as it is.
        if let scale = p.scale, p.isMicronScale, let c = img.calibration, c.isValid, abs(c.umPerPixelX - scale) > 1e-6 * scale {
            img = try Resampler.resample(img, toMicronsPerPixel: scale, sampleType: .float32)
        }
        var crops: [Image] = []
        if img.width >= p.width && img.height >= p.height {
            // An evenly spaced grid of up to `patches` crops, each place once (an image of the model's size is one).
            let side = Int(Double(patches).squareRoot().rounded(.up))
            var places: [(Int, Int)] = []
            for gy in 0..<side { for gx in 0..<side where places.count < patches {
                let x = side == 1 ? (img.width - p.width) / 2 : (img.width - p.width) * gx / (side - 1)
                let y = side == 1 ? (img.height - p.height) / 2 : (img.height - p.height) * gy / (side - 1)
                if !places.contains(where: { $0 == (x, y) }) { places.append((x, y)) }
            } }
            crops = places.map { img.crop(x: $0.0, y: $0.1, width: p.width, height: p.height) }
        } else {
            crops = [img]  // resampled to the model's size by `tensor`
        }
        return try crops.map { try p.tensor($0) }
    }
}
