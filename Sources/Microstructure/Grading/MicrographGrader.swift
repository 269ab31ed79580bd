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
    }

    public var hasNeedleHead: Bool { network.heads.count > 1 }

    /// Grades `image` at `calibration`; with `explain`, also a Grad-CAM map of the predicted type
    /// over the resampled image.
    public func grade(_ image: Image, calibration: ResolvedCalibration, explain: Bool = false) throws -> MicrographGrade {
        let prepared = try PreparedMicrograph(image, umPerPixel: calibration.umPerPixel, excluded: calibration.excludedRegions,
                                              modelUmPerPixel: umPerPixel, patchSize: patchSize)
        var rects = prepared.gradingPatches(size: patchSize)
        guard !rects.isEmpty else { throw ReticleError(.usage, "no \(patchSize) px patch fits outside the scale bar") }
        if rects.count > maximumPatches {
            let step = Double(rects.count) / Double(maximumPatches)
            rects = (0..<maximumPatches).map { rects[Int(Double($0) * step)] }
        }
        let batch = Tensor.stack(rects.map(prepared.tensor))
        let probs = classifier.probabilities(batch)
        let typeP = PatchClassifier.aggregate(probs[0])
        let type = PatchClassifier.argmax(typeP)
        var grade = MicrographGrade(typeClasses: manifest.spec.heads[0].classes, typeProbabilities: typeP,
                                    patches: rects.count, scaleFactor: prepared.scaleFactor, contrast: prepared.contrast)
        if hasNeedleHead {
            grade.needleClasses = manifest.spec.heads[1].classes
            grade.needleProbabilities = PatchClassifier.aggregate(probs[1])
        }

        if grade.confidence < policy.minimumConfidence {
            grade.reviewReasons.append(String(format: "low confidence: %.2f < %.2f", grade.confidence, policy.minimumConfidence))
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

        if explain {
            let cam = try GradCAM(network: network)
            var canvas = SaliencyCanvas(width: prepared.image.width, height: prepared.image.height)
            for start in stride(from: 0, to: rects.count, by: 32) {
                let chunk = Array(rects[start..<min(start + 32, rects.count)])
                let maps = cam.maps(batch.slice(start..<(start + chunk.count)), head: 0, classIndex: type)
                // Weight each patch's map by its probability of the class, so confident regions dominate.
                for (k, (r, m)) in zip(chunk, maps).enumerated() {
                    canvas.add(m, x: r.x, y: r.y, scale: Float(probs[0][start + k][type]))
                }
            }
            grade.explanation = canvas.map.normalized()
            grade.analysedImage = prepared.image
        }
        return grade
    }
}
