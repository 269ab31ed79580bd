// What changes between specimens, sessions and laboratories and must not change a grade:
// the augmentation a grading model is trained with. Patches are augmented in their raw grey
// range (0…1) and standardised last, exactly as grading standardises them.

import Foundation
import Shared

public enum GradingAugmentation: String, Codable, CaseIterable, Sendable {
    /// Standardisation only.
    case none
    /// Flips, quarter turns and mild noise (the earlier default).
    case geometric
    /// Geometric, plus illumination gradients, contrast and gamma (etch depth), blur, sensor noise, JPEG
    /// artefacts and a scale jitter of about ±5 % (calibration uncertainty).
    case lab

    /// The trainer's augmentation for this level.
    public var augmentation: Augmentation {
        var a = Augmentation()
        a.standardize = true
        a.standardizationFloor = 0.02
        guard self != .none else { return a }
        a.horizontalFlip = true
        a.verticalFlip = true
        a.rotate90 = true
        a.noise = 0.01
        guard self == .lab else { return a }
        a.cropMinimumScale = 0.82
        a.illuminationGradient = 0.4
        a.contrast = 0.3
        a.gamma = 0.45
        a.blurProbability = 0.3
        a.blurMaximumSigma = 1.2
        a.noise = 0.02
        a.jpegProbability = 0.3
        a.jpegMinimumQuality = 40
        return a
    }
}
