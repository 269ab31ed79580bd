// The saliency methods a classify command can draw (`--explain METHOD`), behind one call so
// every command offers the same set with the same names and defaults.

import Foundation

public enum ExplainMethod: String, Codable, CaseIterable, Sendable {
    case gradCAM = "gradcam"
    case gradCAMPlusPlus = "gradcam++"
    case smoothGradCAMPlusPlus = "smooth-gradcam++"
    case occlusion
    case integratedGradients = "integrated-gradients"
    case inputXGradient = "input-x-gradient"

    /// Whether the method reads a spatial layer's activations (the CAM family), so a model
    /// without one (a texture-feature model) cannot use it.
    public var needsSpatialLayer: Bool { self == .gradCAM || self == .gradCAMPlusPlus || self == .smoothGradCAMPlusPlus }

    /// One map per image for class `classIndex` of head `head`, at the input's size and scaled to a
    /// maximum of 1. `layer` picks the CAM layer (nil: the last spatial one).
    ///
    /// Shapes: input [N, C, H, W] → N maps of H × W.
    /// - Throws: `ReticleError(.usage)` when a CAM method is asked of a model without a spatial layer or of a
    ///   layer that is not in the model.
    public func maps(network: Network, input: Tensor, head: Int, classIndex: Int, layer: String? = nil) throws -> [SaliencyMap] {
        if self != .occlusion && network.isQuantized {
            throw ReticleError(.unsupported, "\(rawValue) needs gradients, which an int8 model (reticle model quantize) has not: use the fp32 model or --explain occlusion")
        }
        switch self {
        case .gradCAM:
            return try GradCAM(network: network, layer: layer).maps(input, head: head, classIndex: classIndex)
        case .gradCAMPlusPlus:
            return try GradCAMPlusPlus(network: network, layer: layer).maps(input, head: head, classIndex: classIndex)
        case .smoothGradCAMPlusPlus:
            return try GradCAMPlusPlus(network: network, layer: layer, smoothing: .init()).maps(input, head: head, classIndex: classIndex)
        case .occlusion:
            let side = Swift.min(input.shape[2], input.shape[3])
            let window = Swift.max(2, side / 8)
            return Occlusion(network: network, window: window, stride: Swift.max(1, window / 2)).maps(input, head: head, classIndex: classIndex)
        case .integratedGradients:
            return SaliencyMap.attributionMaps(IntegratedGradients(network: network).attributions(input, head: head, classIndex: classIndex).attributions)
        case .inputXGradient:
            return SaliencyMap.attributionMaps(InputGradient(network: network).inputTimesGradient(input, head: head, classIndex: classIndex))
        }
    }
}
