// The texture baseline as a registered architecture ("texture"): rotation-invariant uniform
// LBP histograms at radii 1, 2, 3 px and grey-level co-occurrence statistics at 1, 2, 4 px
// (Shared's texture_features layer), standardised, then one linear layer per head, i.e.
// multinomial logistic regression (weight decay as the L2 penalty) trained by the core
// Trainer. It is what every CNN evaluation is reported next to: if a CNN does not beat
// fixed texture statistics on unseen specimens, it has learned the specimens, not the type.

import Foundation
import Shared

public enum TextureClassifier {
    public static let architecture: ModelSpec.Architecture = "texture"
    public static let radii = [1, 2, 3], distances = [1, 2, 4], levels = 8

    private static let registration: Void = ArchitectureRegistry.register(architecture.rawValue, graph)

    /// Registers the architecture (idempotent); everything that builds a grading model from a spec calls it first.
    public static func register() { _ = registration }

    static func graph(_ spec: ModelSpec) throws -> ModelGraph {
        let features = LayerNode("features.0", "texture_features",
                                 ["radii": .array(radii.map { .int($0) }), "distances": .array(distances.map { .int($0) }),
                                  "levels": .int(levels)])
        return .singleInput(channels: spec.inputChannels, body: [features, LayerNode("features.1", "feature_standardization")],
                            heads: spec.heads, singleHeadName: "fc")
    }

    /// True when `network` has no layer with a spatial output (so no Grad-CAM), as the texture model.
    public static func isFeatureModel(_ network: Network) -> Bool { (try? GradCAM(network: network)) == nil }
}
