// Grad-CAM (Selvaraju et al., "Grad-CAM: Visual Explanations from Deep Networks via
// Gradient-based Localization", ICCV 2017) through the tape: which regions of an input
// drove one head's score for one class, at one backbone layer.
//
// The backbone is split at the chosen layer: the part before it runs without a tape, its
// output becomes a tape leaf, and only the rest (pooling and heads) is recorded, so a map
// costs one forward pass and a short backward one.

import Foundation

public struct GradCAM {
    public let network: Network
    /// Dotted name of the backbone layer whose output is explained ("features.10", "layer4.1");
    /// nil picks the last layer with a spatial (rank-4) output, the usual choice.
    public let layer: String?
    /// The backbone as a flat list of named layers (NamedLayers / Sequential containers opened).
    let stages: [(name: String, layer: any Layer)]

    /// Head parameters collect gradients while a map is computed; one map at a time keeps
    /// concurrent grading threads from writing the same `Parameter.grad`.
    private static let lock = NSLock()

    /// - Throws: `ReticleError(.usage)` when `layer` names no layer of the backbone.
    public init(network: Network, layer: String? = nil) throws {
        self.network = network
        self.layer = layer
        stages = GradCAM.flatten(network.backbone, prefix: "")
        if let layer, !stages.contains(where: { $0.name == layer }) {
            throw ReticleError(.usage, "Grad-CAM layer \"\(layer)\" is not in the backbone; layers: \(layerNames.joined(separator: ", "))")
        }
    }

    /// Names of the layers a map can be taken at, in forward order.
    public var layerNames: [String] { stages.map(\.name) }

    /// One map per input image for class `classIndex` of head `head`, upsampled to the input size
    /// and scaled to a maximum of 1. The score explained is the class logit (categorical), the logit
    /// or its negation (binary), or log P(class) from the CORAL thresholds (ordinal).
    ///
    /// Shapes: input [N, C, H, W] → N maps of H × W.
    public func maps(_ input: Tensor, head: Int, classIndex: Int) -> [SaliencyMap] {
        precondition(input.rank == 4, "Grad-CAM needs [N, C, H, W], got \(input.shape)")
        precondition(network.heads.indices.contains(head), "no head \(head)")
        let spec = network.heads[head].spec
        precondition(spec.classes.indices.contains(classIndex), "head \(spec.name) has no class \(classIndex)")
        let (n, h, w) = (input.shape[0], input.shape[2], input.shape[3])

        // Forward without a tape up to and including the target layer.
        var x = input
        var target = -1
        for (i, stage) in stages.enumerated() {
            let y = stage.layer(Variable(x), .inference).value
            if let layer { if stage.name == layer { x = y; target = i; break } } else if y.rank == 4 { target = i }
            if layer == nil && y.rank != 4 { break }
            x = y
        }
        precondition(target >= 0 && x.rank == 4, "Grad-CAM found no spatial layer in the backbone")

        GradCAM.lock.lock()
        defer { GradCAM.lock.unlock() }
        let tape = Tape()
        let ctx = ForwardContext(tape: tape, training: false)
        let activation = tape.variable(x)
        var features = activation
        for stage in stages[(target + 1)...] { features = stage.layer(features, ctx) }
        let logits = network.heads[head](features, ctx)
        let score = GradCAM.score(logits, kind: spec.kind, classIndex: classIndex, classCount: spec.classes.count)
        let grads = tape.backward(from: score.sum())
        for (_, p) in network.heads[head].namedParameters { p.grad = nil }
        for stage in stages[(target + 1)...] { for (_, p) in stage.layer.namedParameters { p.grad = nil } }

        guard let g = grads[activation] else { return (0..<n).map { _ in SaliencyMap(width: w, height: h) } }
        return GradCAM.combine(activation: x, gradient: g).map { $0.resized(width: w, height: h).normalized() }
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

    /// Opens NamedLayers and Sequential containers into (dotted name, layer) in forward order.
    static func flatten(_ layer: any Layer, prefix: String) -> [(name: String, layer: any Layer)] {
        func join(_ a: String, _ b: String) -> String { a.isEmpty ? b : a + "." + b }
        switch layer {
        case let n as NamedLayers: return n.children.flatMap { flatten($0.layer, prefix: join(prefix, $0.name)) }
        case let s as Sequential: return s.layers.enumerated().flatMap { flatten($0.element, prefix: join(prefix, String($0.offset))) }
        default: return [(prefix, layer)]
        }
    }
}
