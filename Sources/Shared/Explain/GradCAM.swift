// Grad-CAM (Selvaraju et al., "Grad-CAM: Visual Explanations from Deep Networks via
// Gradient-based Localization", ICCV 2017) through the tape: which regions of an input
// drove one head's score for one class, at one backbone layer.
//
// The graph is split at the chosen layer: the layers up to it run without a tape, its
// output becomes a tape leaf, and only the rest (pooling and heads) is recorded, so a
// map costs one forward pass and a short backward one. Parameters enter the tape as
// constants, so nothing shared is written and threads explain concurrently.

import Foundation

public struct GradCAM {
    public let network: Network
    /// Name of the graph layer whose output is explained ("features.10", "layer4.1"); nil picks the last
    /// layer with a spatial (rank-4) output, the usual choice.
    public let layer: String?

    /// The explained layer's index in the graph.
    let target: Int

    /// - Throws: `ReticleError(.usage)` when `layer` names no layer of the graph or one without a spatial output,
    ///   or (nil) when no layer has one.
    public init(network: Network, layer: String? = nil) throws {
        guard !network.isQuantized else { throw ReticleError(.unsupported, "Grad-CAM needs the fp32 model: this one is quantised to int8 (reticle model quantize)") }
        self.network = network
        self.layer = layer
        let spatial = GradCAM.spatialLayers(network)
        if let layer {
            guard let t = network.graph.nodes.firstIndex(where: { $0.name == layer }) else {
                throw ReticleError(.usage, "Grad-CAM layer \"\(layer)\" is not in the model; layers: \(spatial.map { network.graph.nodes[$0].name }.joined(separator: ", "))")
            }
            guard spatial.contains(t) else { throw ReticleError(.usage, "Grad-CAM layer \"\(layer)\" gives no spatial map (it is a feature vector)") }
            target = t
        } else {
            guard let t = spatial.last else { throw ReticleError(.usage, "Grad-CAM found no layer with a spatial output in the model") }
            target = t
        }
    }

    /// Names of the layers a map can be taken at, in forward order.
    public var layerNames: [String] { GradCAM.spatialLayers(network).map { network.graph.nodes[$0].name } }

    /// Layers whose output is an image-like map.
    static func spatialLayers(_ network: Network) -> [Int] { network.outputShapes.indices.filter { network.outputShapes[$0].rank == 4 } }

    /// One map per input image for class `classIndex` of head `head`, upsampled to the input size
    /// and scaled to a maximum of 1. The score explained is the class logit (categorical), the logit
    /// or its negation (binary), or log P(class) from the CORAL thresholds (ordinal).
    ///
    /// Shapes: input [N, C, H, W] → N maps of H × W.
    public func maps(_ input: Tensor, head: Int, classIndex: Int, normalized: Bool = true) -> [SaliencyMap] {
        maps([input], head: head, classIndex: classIndex, normalized: normalized)
    }

    /// As `maps(_:head:classIndex:)` for a network with several inputs; maps take the first input's size.
    /// `normalized: false` keeps each map's own scale, so that maps of several patches of one image can be blended
    /// and normalised once (per-patch normalisation would draw every patch as equally important).
    public func maps(_ inputs: [Tensor], head: Int, classIndex: Int, normalized: Bool = true) -> [SaliencyMap] {
        let (n, h, w) = (inputs[0].shape[0], inputs[0].shape[2], inputs[0].shape[3])
        let (a, g) = activationAndGradient(inputs, head: head, classIndex: classIndex)
        guard let g else { return (0..<n).map { _ in SaliencyMap(width: w, height: h) } }
        return GradCAM.combine(activation: a, gradient: g).map { normalized ? $0.resized(width: w, height: h).normalized() : $0.resized(width: w, height: h) }
    }

    /// The target layer's output A and ∂score/∂A for every image (nil when the score does not depend on A),
    /// what Grad-CAM and Grad-CAM++ weigh differently. Shapes: two [N, K, h, w].
    func activationAndGradient(_ inputs: [Tensor], head: Int, classIndex: Int) -> (activation: Tensor, gradient: Tensor?) {
        precondition(inputs.first?.rank == 4, "Grad-CAM needs [N, C, H, W] as the first input, got \(inputs.first?.shape ?? [])")
        precondition(network.heads.indices.contains(head), "no head \(head)")
        let spec = network.heads[head].spec
        precondition(spec.classes.indices.contains(classIndex), "head \(spec.name) has no class \(classIndex)")
        let inputCount = network.graph.inputs.count
        let nodes = network.graph.nodes

        // Forward without a tape up to the target, keeping every value (later layers may read earlier ones).
        let all = network.run(inputs.map { Variable($0) }, .inference, through: target, keep: Set(0..<(inputCount + nodes.count)))
        let x = all[inputCount + target]!.value

        // The rest on a tape: values before the target are constants, the target's output is the leaf.
        let tape = Tape()
        let ctx = ForwardContext(tape: tape, training: false, frozenParameters: true)
        let activation = tape.variable(x)
        var values = all
        values[inputCount + target] = activation
        for i in (target + 1)..<nodes.count { values[inputCount + i] = network.evaluate(i, values, ctx) }
        let logits = network.heads[head](values[network.headSlots[head]]!, ctx)
        let score = GradCAM.score(logits, kind: spec.kind, classIndex: classIndex, classCount: spec.classes.count)
        let grads = tape.backward(from: score.sum())
        return (x, grads[activation])
    }

    /// ReLU(Σ_c α_c·A_c) with α_c the spatial mean of ∂score/∂A_c. Shapes: [N, K, h, w] twice → N maps h × w.
    static func combine(activation a: Tensor, gradient g: Tensor) -> [SaliencyMap] {
        let (n, k, h, w) = (a.shape[0], a.shape[1], a.shape[2], a.shape[3])
        let plane = h * w
        return a.withUnsafePointer { ap in g.withUnsafePointer { gp in
            (0..<n).map { i in
                var cam = [Float](repeating: 0, count: plane)
                for c in 0..<k {
                    let base = (i * k + c) * plane
                    var alpha: Float = 0
                    for p in 0..<plane { alpha += gp[base + p] }
                    alpha /= Float(plane)
                    for p in 0..<plane { cam[p] += alpha * ap[base + p] }
                }
                return SaliencyMap(width: w, height: h, values: cam.map { Swift.max(0, $0) })
            }
        } }
    }

    /// The per-sample score to explain. Shapes: logits [N, outputCount] → [N].
    static func score(_ logits: Variable, kind: HeadSpec.Kind, classIndex k: Int, classCount: Int) -> Variable {
        let n = logits.shape[0], columns = logits.shape[1]
        func column(_ j: Int) -> Variable {
            let mask = Tensor(shape: [n, columns], scalars: (0..<(n * columns)).map { $0 % columns == j ? 1 : 0 })
            return (logits * Variable(mask)).sum(alongAxes: [1])
        }
        switch kind {
        case .categorical: return column(k)
        case .binary: return k == 1 ? column(0) : -column(0)
        case .ordinal:
            // P(y = k) = P(y > k−1) − P(y > k), with P(y > −1) = 1 and P(y > K−1) = 0.
            let above = k > 0 ? column(k - 1).sigmoid() : Variable(Tensor(shape: [n], repeating: 1))
            let p = k < classCount - 1 ? above - column(k).sigmoid() : above
            return (p + 1e-6).log()
        }
    }
}
