// A network quantised for int8 inference, as a model file: the same safetensors
// ModelFile (manifest, graph, heads in fp32 under their names) with, per folded
// layer path (FoldedLayerRewriter), each int8 convolution's codes (I8), weight
// scales, bias and input scale and zero point, and the fp32 parameters of layers
// left in fp32. The manifest's provenance holds the "quantization" section
// (calibrator, samples, per-layer scales, the held-out agreement); ModelFile.load
// sees it and rebuilds the int8 network, so every command loading a model takes one.

import Foundation

public enum QuantizedModel {
    /// The provenance key of the quantisation section; its presence makes a file a quantised one.
    public static let sectionKey = "quantization"

    /// The result of quantising a network: the int8 network, what its file stores, and one record per int8 layer.
    public struct Quantized {
        public let network: Network
        let tensors: [(name: String, payload: SafeTensorsFile.Payload)]
        /// Per int8 convolution: its path and its input's scale and zero point, and its weight scales' range.
        public let layers: [JSONValue]
        /// Layers that stayed fp32 (grouped or depthwise convolutions, normalisations with parameters).
        public let fp32Layers: [String]
    }

    /// Folds `network`, observes every ungrouped convolution's input over `calibration` (batches of the single input)
    /// in fp32, and replaces each such convolution by its int8 form with the range `calibrator` chooses.
    public static func quantize(_ network: Network, calibration: [Tensor], calibrator: ActivationCalibrator,
                                percentile: Double = 99.99) throws -> Quantized {
        guard network.inputs.count == 1 else { throw ReticleError(.unsupported, "quantisation takes single-input networks; this one has \(network.inputs.count) inputs") }
        guard !calibration.isEmpty else { throw ReticleError(.usage, "no calibration inputs") }
        let folded = network.folded()
        var observers: [String: ActivationObserver] = [:]
        let observed = try FoldedLayerRewriter(convolution: { conv, path in
            let o = ActivationObserver()
            observers[path] = o
            return ObservedConvolution(conv: conv, observer: o)
        }, leaf: { layer, _ in layer }).rewrite(folded)
        for batch in calibration { _ = observed([batch]) }

        var tensors: [(name: String, payload: SafeTensorsFile.Payload)] = []
        var layers: [JSONValue] = [], fp32: [String] = []
        let quantized = try FoldedLayerRewriter(convolution: { conv, path in
            let q = QuantizedConv2d(quantizing: conv, input: observers[path]!.quantization(calibrator, percentile: percentile))
            tensors += [("\(path).qweight", .i8(shape: q.config.weightShape, values: q.weights)),
                        ("\(path).weight_scale", .f32(Tensor(shape: [q.config.outChannels], scalars: q.weightScales))),
                        ("\(path).bias", .f32(Tensor(shape: [q.config.outChannels], scalars: q.bias))),
                        ("\(path).input", .f32(Tensor(shape: [2], scalars: [q.input.scale, Float(q.input.zeroPoint)])))]
            layers.append(["path": .string(path), "shape": .array(q.config.weightShape.map { .int($0) }),
                           "input_scale": .number(Double(q.input.scale)), "input_zero_point": .int(q.input.zeroPoint),
                           "weight_scale_min": .number(Double(q.weightScales.min() ?? 0)), "weight_scale_max": .number(Double(q.weightScales.max() ?? 0))])
            return q
        }, leaf: { layer, path in
            let params = layer.namedParameters
            if !params.isEmpty { fp32.append(path) }
            for (name, p) in params { tensors.append(("\(path).\(name)", .f32(p.value))) }
            return layer
        }).rewrite(folded)
        for (h, head) in zip(network.graph.heads, network.heads) {
            for (name, p) in named(h.parameterName, head) { tensors.append((name, .f32(p.value))) }
        }
        return Quantized(network: quantized, tensors: tensors, layers: layers, fp32Layers: fp32)
    }

    /// Writes the quantised model: `manifest` (the fp32 model's) with `section` as its provenance's quantisation entry.
    public static func save(_ q: Quantized, manifest: ModelManifest, section: JSONObject, to url: URL) throws {
        var manifest = manifest
        manifest.formatVersion = ModelManifest.currentFormatVersion
        manifest.graph = q.network.graph
        manifest.provenance[sectionKey] = .object(section)
        try SafeTensorsFile.write(entries: q.tensors, metadata: [ModelFile.manifestKey: manifest.json.serialized()], to: url)
    }

    /// The int8 network of a quantised file: the graph built (zero weights) and folded, each
    /// ungrouped convolution's path read as int8, every other parameter as fp32. Every tensor is checked.
    static func network(from file: SafeTensorsFile, manifest: ModelManifest) throws -> Network {
        let base = try manifest.graph.map { try Network(graph: $0, spec: manifest.spec, drawingWeights: false) }
            ?? Network(spec: manifest.spec, drawingWeights: false)
        var used = Set<String>()
        func tensor(_ name: String, _ shape: [Int]) throws -> Tensor {
            guard let e = file.entry(name) else { throw ReticleError(.corrupt, "quantised model lacks \"\(name)\" \(shape)") }
            guard e.shape == shape else { throw ReticleError(.corrupt, "\"\(name)\" has shape \(e.shape), the architecture needs \(shape)") }
            used.insert(name)
            return try file.tensor(name)
        }
        for (h, head) in zip(base.graph.heads, base.heads) {
            for (name, p) in named(h.parameterName, head) { p.value = try tensor(name, p.shape) }
        }
        let limit = Float(Int8Convolution.weightLimit)
        let network = try FoldedLayerRewriter(convolution: { conv, path in
            let c = conv.config
            guard file.entry("\(path).qweight")?.dtype == .I8 else { throw ReticleError(.corrupt, "\"\(path).qweight\" is missing or not I8") }
            let codes = try tensor("\(path).qweight", c.weightShape).scalars
            guard codes.allSatisfy({ abs($0) <= limit }) else { throw ReticleError(.corrupt, "\"\(path).qweight\" holds codes beyond ±\(Int(limit))") }
            let scales = try tensor("\(path).weight_scale", [c.outChannels]).scalars
            guard scales.allSatisfy({ $0 > 0 && $0.isFinite }) else { throw ReticleError(.corrupt, "\"\(path).weight_scale\" must be positive and finite") }
            let bias = try tensor("\(path).bias", [c.outChannels]).scalars
            guard bias.allSatisfy(\.isFinite) else { throw ReticleError(.corrupt, "\"\(path).bias\" holds a value that is not finite") }
            let input = try tensor("\(path).input", [2]).scalars
            guard input[0] > 0, input[0].isFinite, input[1] == input[1].rounded(), (0...255).contains(input[1]) else {
                throw ReticleError(.corrupt, "\"\(path).input\" must be a positive scale and a zero point in 0...255, got \(input)")
            }
            return QuantizedConv2d(config: c, weights: codes.map { Int8($0) }, weightScales: scales, bias: bias,
                                   input: ActivationQuantization(scale: input[0], zeroPoint: Int(input[1])), fusedActivation: conv.fusedActivation)
        }, leaf: { layer, path in
            for (name, p) in layer.namedParameters { p.value = try tensor("\(path).\(name)", p.shape) }
            // A grouped convolution packs its loaded weight (its packing was of the drawn one).
            if let c = layer as? Conv2d { return Conv2d(c.config, weight: c.weight.value, bias: c.bias?.value, fusedActivation: c.fusedActivation).prepacked() }
            return layer
        }).rewrite(base.folded())
        let extra = file.names.filter { !used.contains($0) }
        if !extra.isEmpty { throw ReticleError(.corrupt, "quantised model holds \(extra.count) tensors the architecture does not have, e.g. \"\(extra[0])\"") }
        return network
    }

    /// Top-1 agreement of two networks' predictions, every head counted: the share of (sample, head) pairs whose
    /// arg-max class is the same. Shapes: inputs are batches of the single input.
    public static func agreement(_ a: Network, _ b: Network, on inputs: [Tensor]) -> (agreeing: Int, total: Int) {
        var agreeing = 0, total = 0
        for x in inputs {
            let la = a.forwardHeads(Variable(x), .inference), lb = b.forwardHeads(Variable(x), .inference)
            for (ha, hb) in zip(la, lb) {
                let k = ha.shape[1]
                let va = ha.value.scalars, vb = hb.value.scalars
                for n in 0..<ha.shape[0] {
                    func top(_ v: [Float]) -> Int { (0..<k).max { v[n * k + $0] < v[n * k + $1] }! }
                    if top(va) == top(vb) { agreeing += 1 }
                    total += 1
                }
            }
        }
        return (agreeing, total)
    }
}

extension Network {
    /// True for a network loaded from (or made by) `reticle model quantize`: inference only, its layer values are
    /// the folded chain's, so gradient-based explanations need the fp32 model.
    public var isQuantized: Bool {
        func walk(_ l: any Layer) -> Bool {
            switch l {
            case is QuantizedConv2d: return true
            case let s as Sequential: return s.layers.contains(where: walk)
            case let n as NamedLayers: return n.children.contains { walk($0.layer) }
            case let b as FusedResidualBlock: return walk(b.last) || b.body.contains(where: walk) || b.shortcut.map(walk) == true
            case let r as Residual: return walk(r.body) || r.shortcut.map { walk($0.layer) } == true
            default: return false
            }
        }
        return layers.contains(where: walk)
    }
}
