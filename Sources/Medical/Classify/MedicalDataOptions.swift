// How a medical image set is read, shared by `med train` and `med evaluate` and stored in the
// model file, so that evaluation rebuilds exactly the split training made: the labels CSV for
// image and DICOM folders, the image size and channels they are brought to, and the split
// fractions and seed for data that has no splits of its own (an .npz has them).

import Foundation
import Shared

public struct MedicalDataOptions: EmbeddedOptions {
    /// CSV with a key column (`file`, `series` or `patient`) and a `label` column (image files or DICOM folders).
    public var labels: String?
    /// Concepts CSV (file, one 0/1 column per concept) of a concept bottleneck model; images without a row are left out.
    public var concepts: String?
    /// Side in pixels that folder and DICOM images are resampled to (.npz images are taken as they are).
    public var imageSize = 64
    /// Channels of folder images: 0 decides from the images (1 when every image is grey), else 1 or 3.
    public var channels = 0
    /// Fractions of groups (patients, else files) held out for validation and test when the data has no splits.
    public var validationFraction = 0.15
    public var testFraction = 0.15
    /// Seed of that split.
    public var splitSeed: UInt64 = 1

    public init() {}

    public var referencedFiles: [String: String] {
        var files: [String: String] = [:]
        if let labels { files["labels"] = labels }
        if let concepts { files["concepts"] = concepts }
        return files
    }

    public func validate() throws {
        guard (8...1024).contains(imageSize) else { throw ReticleError(.usage, "--image-size must be 8–1024 pixels") }
        guard [0, 1, 3].contains(channels) else { throw ReticleError(.usage, "--channels must be 0 (from the images), 1 or 3") }
        guard validationFraction.isFinite, testFraction.isFinite, validationFraction >= 0, testFraction >= 0,
              validationFraction + testFraction < 0.9 else {
            throw ReticleError(.usage, "--validation-fraction and --test-fraction must be ≥ 0 and leave at least 10 % for training")
        }
    }
}
