// Grading one micrograph with a trained model: resample to the model's µm/px, classify
// half-overlapping patches away from the scale bar, combine their probabilities, decide
// the review flags, and (on request) build a Grad-CAM map of the whole image.

import Foundation
import Shared

/// When a result goes to the review queue instead of being trusted as is.
public struct ReviewPolicy: Codable, Equatable, Sendable {
    /// Below this top-class probability (type head) the call is uncertain.
    public var minimumConfidence = 0.6
    /// Images coarser than the model by more than this factor lose detail in resampling.
    public var maximumEnlargement = 1.5
    /// Images finer than the model by more than this factor are shrunk past what area averaging keeps faithful.
    public var maximumReduction = 8.0
    /// Widening of the training contrast range, as a share of its span.
    public var contrastMargin = 0.25
    // The three limits below were chosen on generated micrographs the demo model never saw (README, "Honest
    // confidence"): in-distribution images reach a feature distance of about 1.05, unseen equiaxed structures
    // mostly 1.5–3.3; a needle confidence under 0.4 is rare on right calls; two crops in nine disagreeing
    // caught a confident wrong call.
    /// Below this probability of the chosen needle class the needle call is uncertain.
    public var minimumNeedleConfidence = 0.4
    /// Above this share of the image's crops calling another type than the image, the crops disagree.
    public var maximumCropDisagreement = 0.2
    /// Above this multiple of the training images' 95th-percentile feature distance an image is out of distribution.
    public var maximumFeatureDistance = 1.25
    /// Calibration sources that differ by more than this fraction from the one used are a conflict.
    public var calibrationTolerance = 0.02
    /// Test-time augmentation: each patch also graded flipped and turned (8 views).
    public var testTimeAugmentation = false
    public init() {}
}

public struct MicrographGrader {
    public let network: Network
    public let manifest: ModelManifest
    public let classifier: PatchClassifier
    public var policy: ReviewPolicy
    public let patchSize: Int
    public let umPerPixel: Double
    public let contrastRange: ContrastRange?
    /// The type temperature fitted on held-out specimens (nil for a model trained without one: raw confidences).
    public let temperature: FittedTemperature?
    /// The training images' feature distribution (nil for a model trained without one: no distance check).
    public let features: FeatureDistribution?
    /// Patches classified per image at most (evenly spread), bounding the time for huge images.
    public var maximumPatches = 256

    /// Loads a model written by `reticle micro train`.
    /// - Throws: `ReticleError` naming the file for an unreadable model or one without a type head and a µm/px.
    public init(modelFile url: URL, policy: ReviewPolicy = ReviewPolicy()) throws {
        let (network, manifest) = try ModelFile.load(from: url)
        try self.init(network: network, manifest: manifest, policy: policy, file: url.path)
    }

    public init(network: Network, manifest: ModelManifest, policy: ReviewPolicy = ReviewPolicy(), file: String? = nil) throws {
        guard manifest.spec.heads.first?.name == GradingTrainer.typeHead else {
            throw ReticleError(.unsupported, file: file, "not a micrograph grading model (its first head is not \"type\")")
        }
        guard let scale = manifest.preprocessing.scale else {
            throw ReticleError(.unsupported, file: file, "the model does not declare the µm/px it was trained at")
        }
        self.network = network
        self.manifest = manifest
        self.policy = policy
        classifier = PatchClassifier(network: network)
        patchSize = manifest.preprocessing.width
        umPerPixel = scale
        contrastRange = ContrastRange(json: manifest.provenance["contrast_range"])
        temperature = FittedTemperature(json: manifest.provenance["temperature"])
        let features = FeatureDistribution(json: manifest.provenance["feature_distribution"])
        self.features = features?.scales.count == network.heads[0].weight.value.shape[1] ? features : nil
    }

    /// What a lab should know about the model itself before trusting its grades (empty when nothing).
    public var warnings: [String] {
        var out: [String] = []
        if temperature == nil { out.append("the model has no fitted temperature (trained before Reticle stored one): confidences are uncalibrated") }
        if features == nil { out.append("the model has no training feature distribution: images unlike the training data cannot be flagged") }
        if let balanced = manifest.provenance["metrics"]?["type"]?["balanced_accuracy"]?.doubleValue {
            let k = Double(manifest.spec.heads[0].classes.count)
            if balanced <= 1 / k + 0.05 { out.append(String(format: "the model was at chance on its held-out specimens (balanced accuracy %.1f %%)", 100 * balanced)) }
        }
        return out
    }

    public var hasNeedleHead: Bool { network.heads.count > 1 }

    /// The grading patches of `prepared`, at most `count`, evenly spread.
    func patches(_ prepared: PreparedMicrograph, count: Int) throws -> [PixelRect] {
        let rects = prepared.gradingPatches(size: patchSize)
        guard !rects.isEmpty else { throw ReticleError(.usage, "no \(patchSize) px patch fits outside the scale bar") }
        guard rects.count > count else { return rects }
        let step = Double(rects.count) / Double(count)
        return (0..<count).map { rects[Int(Double($0) * step)] }
    }

    /// The network inputs `grade` would classify for `image` (at most `count` patches, evenly spread): what
    /// int8 calibration of this model must see.
    public func inputs(_ image: Image, calibration: ResolvedCalibration, count: Int) throws -> [Tensor] {
        let prepared = try PreparedMicrograph(image, umPerPixel: calibration.umPerPixel, excluded: calibration.excludedRegions,
                                              modelUmPerPixel: umPerPixel, patchSize: patchSize)
        return try patches(prepared, count: count).map(prepared.tensor)
    }

    /// Grades `image` at `calibration`; with `explain`, also a Grad-CAM map of the predicted type
    /// over the resampled image.
    public func grade(_ image: Image, calibration: ResolvedCalibration, explain: Bool = false) throws -> MicrographGrade {
        let prepared = try PreparedMicrograph(image, umPerPixel: calibration.umPerPixel, excluded: calibration.excludedRegions,
                                              modelUmPerPixel: umPerPixel, patchSize: patchSize)
        let rects = try patches(prepared, count: maximumPatches)
        let tensors = rects.map(prepared.tensor)
        let views = policy.testTimeAugmentation ? tensors.flatMap(Self.dihedralViews) : tensors
        let (probs, patchFeatures) = classifier.classify(views)
        let rawTypeP = PatchClassifier.aggregate(probs[0])
        let typeP = temperature?.apply(rawTypeP) ?? rawTypeP
        let type = PatchClassifier.argmax(typeP)
        var grade = MicrographGrade(typeClasses: manifest.spec.heads[0].classes, typeProbabilities: typeP,
                                    patches: rects.count, scaleFactor: prepared.scaleFactor, contrast: prepared.contrast)
        grade.uncalibratedConfidence = rawTypeP[type]
        grade.temperature = temperature?.temperature
        if hasNeedleHead {
            grade.needleClasses = manifest.spec.heads[1].classes
            grade.needleProbabilities = PatchClassifier.aggregate(probs[1])
        }
        let crops = probs[0].map(PatchClassifier.argmax)
        grade.cropAgreement = Double(crops.filter { $0 == type }.count) / Double(max(crops.count, 1))
        grade.featureDistance = features?.distance(PatchClassifier.mean(patchFeatures))

        if grade.confidence < policy.minimumConfidence {
            grade.reviewReasons.append(String(format: "low confidence: %.2f < %.2f", grade.confidence, policy.minimumConfidence))
        }
        if let c = grade.needleConfidence, c < policy.minimumNeedleConfidence {
            grade.reviewReasons.append(String(format: "low needle-class confidence: %.2f < %.2f", c, policy.minimumNeedleConfidence))
        }
        if 1 - grade.cropAgreement > policy.maximumCropDisagreement {
            var others: [Int: Int] = [:]
            for c in crops where c != type { others[c, default: 0] += 1 }
            let named = others.sorted { ($1.value, $0.key) < ($0.value, $1.key) }.map { "\(grade.typeClasses[$0.key]) \($0.value)" }
            grade.reviewReasons.append(String(format: "crops disagree: %d of %d crops call another type (%@)",
                                              crops.count - crops.filter { $0 == type }.count, crops.count, named.joined(separator: ", ")))
        }
        if let d = grade.featureDistance, d > policy.maximumFeatureDistance {
            grade.reviewReasons.append(String(format: "out of distribution: the image's features lie %.1f× the training images' 95th-percentile distance from every type (limit %.1f×)",
                                              d, policy.maximumFeatureDistance))
        }
        if prepared.scaleFactor > policy.maximumEnlargement {
            grade.reviewReasons.append(String(format: "scale mismatch: the image (%.4g µm/px) is %.2f× coarser than the model (%.4g µm/px)",
                                              calibration.umPerPixel, prepared.scaleFactor, umPerPixel))
        } else if prepared.scaleFactor < 1 / policy.maximumReduction {
            grade.reviewReasons.append(String(format: "scale mismatch: the image (%.4g µm/px) is %.1f× finer than the model (%.4g µm/px)",
                                              calibration.umPerPixel, 1 / prepared.scaleFactor, umPerPixel))
        }
        if let range = contrastRange, let why = range.violation(prepared.contrast, margin: policy.contrastMargin) {
            grade.reviewReasons.append("out-of-distribution contrast: " + why)
        }
        for other in calibration.figures.dropFirst() where other.umPerPixelX > 0 {
            let off = abs(other.umPerPixelX / calibration.umPerPixel - 1)
            if off > policy.calibrationTolerance {
                grade.reviewReasons.append(String(format: "calibration conflict: %@ says %.4g µm/px, %.1f %% from the %.4g µm/px used (%@)",
                                                  other.source.rawValue, other.umPerPixelX, 100 * off, calibration.umPerPixel,
                                                  calibration.source.rawValue))
            }
        }

        if explain {
            let batch = Tensor.stack(tensors)
            let cam = try GradCAM(network: network)
            var canvas = SaliencyCanvas(width: prepared.image.width, height: prepared.image.height)
            for start in stride(from: 0, to: rects.count, by: 32) {
                let chunk = Array(rects[start..<min(start + 32, rects.count)])
                // Raw maps, each weighted by its patch's probability of the class and feathered into its neighbours;
                // the image's map is normalised once below, so a weakly involved patch stays cool.
                let maps = cam.maps(batch.slice(start..<(start + chunk.count)), head: 0, classIndex: type, normalized: false)
                for (k, (r, m)) in zip(chunk, maps).enumerated() {
                    canvas.add(m, x: r.x, y: r.y, scale: Float(probs[0][(start + k) * (policy.testTimeAugmentation ? 8 : 1)][type]), feathered: true)
                }
            }
            grade.explanation = canvas.map.normalized()
            grade.analysedImage = prepared.image
        }
        return grade
    }

    /// The eight flips and quarter turns of a square patch [1, P, P], the patch itself first.
    static func dihedralViews(_ t: Tensor) -> [Tensor] {
        let n = t.shape[2]
        let v = t.scalars
        func view(_ f: (Int, Int) -> (Int, Int)) -> Tensor {
            var out = [Float](repeating: 0, count: v.count)
            for y in 0..<n { for x in 0..<n { let (sy, sx) = f(y, x); out[y * n + x] = v[sy * n + sx] } }
            return Tensor(shape: t.shape, scalars: out)
        }
        return [t, view { ($1, n - 1 - $0) }, view { (n - 1 - $0, n - 1 - $1) }, view { (n - 1 - $1, $0) },
                view { ($0, n - 1 - $1) }, view { (n - 1 - $0, $1) }, view { ($1, $0) }, view { (n - 1 - $1, n - 1 - $0) }]
    }
}
