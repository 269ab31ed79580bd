// The options of `reticle model quantize M --calibrate DIR --out Q`: which images
// calibrate the int8 activation ranges, which are held out for the accuracy check
// (top-1 agreement of Q with M), and the agreement below which Q is refused.

import Foundation

public struct QuantizeOptions: CommandOptions {
    public static let command = "model quantize"

    /// Folder of real input images (read recursively).
    public var calibrate = ""
    public var calibrator = ActivationCalibrator.percentile
    /// The upper quantile, in percent, of the percentile calibrator (the lower one is 100 − it).
    public var percentile = 99.99
    /// Images held out of calibration for the accuracy check; nil: a quarter of them (at least one).
    public var holdout: Int?
    /// Crops taken from each image at least the model's input size.
    public var patchesPerImage = 4
    /// Calibration inputs used at most (evenly spread over the calibration images' crops).
    public var maxCalibrationSamples = 256
    /// Refuse (no file written, non-zero exit) when the held-out top-1 agreement is below this fraction.
    public var minAgreement = 0.99
    /// Shuffles which images are held out.
    public var seed: UInt64 = 0

    public init() {}

    public func validate() throws {
        guard !calibrate.isEmpty else { throw ReticleError(.usage, "--calibrate DIR is required (a folder of real input images)") }
        guard percentile > 50 && percentile <= 100 else { throw ReticleError(.usage, "--percentile must lie in (50, 100], got \(percentile)") }
        if let holdout, holdout < 1 { throw ReticleError(.usage, "--holdout must be at least 1, got \(holdout)") }
        guard patchesPerImage >= 1 else { throw ReticleError(.usage, "--patches-per-image must be at least 1") }
        guard maxCalibrationSamples >= 1 else { throw ReticleError(.usage, "--max-calibration-samples must be at least 1") }
        guard (0...1).contains(minAgreement) else { throw ReticleError(.usage, "--min-agreement must lie in 0...1, got \(minAgreement)") }
    }

    /// What a quantisation run found and wrote.
    public struct Report {
        public var calibrationImages: Int
        public var calibrationSamples: Int
        public var holdoutImages: Int
        public var holdoutSamples: Int
        public var agreeing: Int
        public var total: Int
        public var int8Layers: Int
        public var fp32Layers: [String]
        public var skipped: [String]
        public var written: Bool
        public var agreement: Double { total > 0 ? Double(agreeing) / Double(total) : 0 }
    }

    /// Quantises `model` into `out`, calibrated on images of `calibrate` and checked on the held-out ones.
    /// - Throws: `ReticleError` when the model or folder cannot be used, or (after reporting through `log`) when the
    ///   agreement is below `minAgreement`: then `out` is not written.
    public func run(model: String, out: String, preparation: CalibrationInputPreparation? = nil, reader: ImageReader = .rasters,
                    log: (String) -> Void = { _ in }) throws -> Report {
        try validate()
        let (network, manifest) = try ModelFile.load(from: URL(fileURLWithPath: model))
        guard manifest.provenance[QuantizedModel.sectionKey] == nil else { throw ReticleError(.usage, file: model, "is already quantised") }
        var files = try CalibrationImages.files(in: calibrate, reader: reader)
        guard files.count >= 2 else { throw ReticleError(.usage, file: calibrate, "holds \(files.count) image(s); calibration and the held-out check need at least 2") }
        var rng = SplitMix64(seed: seed)
        files.shuffle(using: &rng)
        let held = Swift.min(holdout ?? Swift.max(1, files.count / 4), files.count - 1)
        let p = manifest.preprocessing
        let calibrationSet = CalibrationImages(files: Array(files.dropLast(held)), preprocessing: p, patchesPerImage: patchesPerImage,
                                               preparation: preparation)
        let holdoutSet = CalibrationImages(files: Array(files.suffix(held)), preprocessing: p, patchesPerImage: patchesPerImage,
                                           preparation: preparation)
        var samples = calibrationSet.samples.map(\.tensor)
        if samples.count > maxCalibrationSamples {
            let step = Double(samples.count) / Double(maxCalibrationSamples)
            samples = (0..<maxCalibrationSamples).map { samples[Int(Double($0) * step)] }
        }
        guard !samples.isEmpty else { throw ReticleError(.usage, file: calibrate, "no calibration image could be read") }
        guard !holdoutSet.samples.isEmpty else { throw ReticleError(.usage, file: calibrate, "no held-out image could be read") }
        log("calibrating on \(samples.count) inputs from \(files.count - held) images (\(calibrator.rawValue)); checking on \(holdoutSet.samples.count) inputs from \(held) held-out images")
        let q = try QuantizedModel.quantize(network, calibration: Self.batches(samples), calibrator: calibrator, percentile: percentile)
        let (agreeing, total) = QuantizedModel.agreement(network.folded(), q.network, on: Self.batches(holdoutSet.samples.map(\.tensor)))
        var report = Report(calibrationImages: files.count - held, calibrationSamples: samples.count, holdoutImages: held,
                            holdoutSamples: holdoutSet.samples.count, agreeing: agreeing, total: total, int8Layers: q.layers.count,
                            fp32Layers: q.fp32Layers, skipped: calibrationSet.skipped + holdoutSet.skipped, written: false)
        guard report.agreement >= minAgreement else {
            throw ReticleError(.usage, file: model, String(format: "int8 top-1 agreement with fp32 on held-out inputs is %.2f %% (%d of %d), below --min-agreement %.2f %%; %@ not written",
                                                                100 * report.agreement, agreeing, total, 100 * minAgreement, out))
        }
        var section = JSONObject()
        section["calibrator"] = .string(calibrator.rawValue)
        if calibrator == .percentile { section["percentile"] = .number(percentile) }
        section["inputs"] = .string(preparation?.name ?? "manifest preprocessing")
        section["calibration_images"] = .int(report.calibrationImages)
        section["calibration_samples"] = .int(report.calibrationSamples)
        section["holdout_images"] = .int(held)
        section["holdout_samples"] = .int(report.holdoutSamples)
        section["top1_agreement"] = .number((report.agreement * 10000).rounded() / 10000)
        section["min_agreement"] = .number(minAgreement)
        section["weights"] = .string("s8 per output channel, symmetric, 7 bits (|q| ≤ \(Int8Convolution.weightLimit))")
        section["activations"] = .string("u8 per tensor with zero point")
        section["source_model"] = .string((model as NSString).lastPathComponent)
        section["fp32_layers"] = .array(q.fp32Layers.map { .string($0) })
        section["layers"] = .array(q.layers)
        try QuantizedModel.save(q, manifest: manifest, section: section, to: URL(fileURLWithPath: out))
        report.written = true
        return report
    }

    /// Samples [C, H, W] stacked into batches of 16.
    static func batches(_ samples: [Tensor]) -> [Tensor] {
        stride(from: 0, to: samples.count, by: 16).map { Tensor.stack(Array(samples[$0..<Swift.min($0 + 16, samples.count)])) }
    }
}
