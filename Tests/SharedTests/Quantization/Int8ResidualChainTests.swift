// An all-int8 residual block passes u8 activations from conv1 to conv2
// (Int8ResidualChain.swift): its outputs must be exactly those of the per-layer
// path (fp32 between the convolutions, quantised again by conv2), on single
// blocks of awkward shapes and on a whole quantised ResNet-18; blocks with other
// bodies keep the per-layer path.

import XCTest
@testable import Shared
import TestSupport

final class Int8ResidualChainTests: XCTestCase {
    func conv(_ cfg: Conv2dConfig, _ act: FusedActivation, _ r: inout SplitMix64) -> Conv2d {
        Conv2d(cfg, weight: Tensor.uniform(cfg.weightShape, low: -0.4, high: 0.4, using: &r),
               bias: Tensor.uniform([cfg.outChannels], low: -0.3, high: 0.3, using: &r), fusedActivation: act)
    }

    func range(_ t: Tensor) -> (Float, Float) { (t.scalars.min()!, t.scalars.max()!) }

    /// The per-layer path of a block: fp32 between the convolutions, as before chaining.
    func perLayer(_ b: FusedResidualBlock, _ x: Variable) -> Variable {
        let identity = b.shortcut?(x, .inference) ?? x
        return b.last.forward(b.body.reduce(x) { $1($0, .inference) }, residual: identity, .inference)
    }

    /// A basic block in: channels not a multiple of 4, an image plane that ends inside a 16-pixel tile (tiles cross
    /// images), conv2's input range clipped at the top so requantisation saturates.
    func block(inChannels: Int, width: Int, outChannels: Int, stride: Int, x: Tensor, shortcutRange: Float = 1,
               _ r: inout SplitMix64) -> FusedResidualBlock {
        let c1 = conv(Conv2dConfig(inChannels, width, kernelSize: 3, stride: stride, padding: 1), .relu, &r)
        let c2 = conv(Conv2dConfig(width, outChannels, kernelSize: 3, padding: 1), .relu, &r)
        let (lo, hi) = range(x)
        let q1 = QuantizedConv2d(quantizing: c1, input: ActivationQuantization(low: lo, high: hi))
        let hidden = q1(Variable(x), .inference).value
        let q2 = QuantizedConv2d(quantizing: c2, input: ActivationQuantization(low: 0, high: range(hidden).1 * 0.7))
        let shortcut: (any Layer)? = stride == 1 && inChannels == outChannels ? nil
            : Sequential([QuantizedConv2d(quantizing: conv(Conv2dConfig(inChannels, outChannels, kernelSize: 1, stride: stride), .none, &r),
                                          input: ActivationQuantization(low: lo, high: hi * shortcutRange))])
        return FusedResidualBlock(body: [q1], last: q2, shortcut: shortcut)
    }

    func testChainedBlockEqualsThePerLayerPathExactly() {
        var r = SplitMix64(seed: 21)
        let cases: [(n: Int, c: Int, w: Int, k: Int, h: Int, wd: Int, stride: Int)] = [
            (3, 5, 7, 5, 9, 7, 1),    // identity shortcut, 63-pixel planes
            (2, 6, 10, 9, 11, 5, 2),  // 1×1 stride-2 projection
            (1, 3, 4, 6, 7, 7, 2),
            (4, 8, 8, 8, 3, 3, 1),    // 9-pixel planes: every tile spans images
        ]
        for (i, t) in cases.enumerated() {
            let x = Tensor.uniform([t.n, t.c, t.h, t.wd], low: -1.5, high: 2, using: &r)
            let b = block(inChannels: t.c, width: t.w, outChannels: t.k, stride: t.stride, x: x, &r)
            guard let chained = b.int8Chained(Variable(x), .inference) else { return XCTFail("case \(i): block not chained") }
            let want = perLayer(b, Variable(x)).value
            XCTAssertEqual(chained.shape, want.shape)
            XCTAssertEqual(chained.value.scalars, want.scalars, "case \(i): chained outputs differ from the per-layer path")
            XCTAssertEqual(b(Variable(x), .inference).value.scalars, want.scalars, "case \(i): the block's forward")
            // conv1's requantised codes are quantize(conv1's fp32 output), padding channels at conv2's zero point.
            let q1 = b.body[0] as! QuantizedConv2d, q2 = b.last as! QuantizedConv2d
            let codes = q1.requantized(codes: QuantizedActivations(x, q1.input), for: q2.input)
            let fp32 = q1(Variable(x), .inference).value
            XCTAssertEqual(codes.codes, QuantizedActivations(fp32, q2.input).codes, "case \(i): conv1's codes")
            XCTAssertEqual(codes.shape, fp32.shape)
            XCTAssertTrue(codes.codes.contains(255), "case \(i): the clipped top is exercised")
            if let p = b.projection {
                // The projection reads conv1's codes of the block input: its outputs as on its own.
                XCTAssertEqual(p.input, q1.input)
                XCTAssertEqual(p.forward(codes: QuantizedActivations(x, q1.input), residual: nil).scalars, b.shortcut!(Variable(x), .inference).value.scalars)
            }
        }
    }

    func testProjectionWithItsOwnQuantisationQuantisesAgain() {
        var r = SplitMix64(seed: 9)
        let x = Tensor.uniform([2, 6, 9, 9], low: -1, high: 1.5, using: &r)
        let b = block(inChannels: 6, width: 7, outChannels: 10, stride: 2, x: x, shortcutRange: 0.5, &r)
        XCTAssertNotEqual(b.projection!.input, (b.body[0] as! QuantizedConv2d).input)
        XCTAssertEqual(b.int8Chained(Variable(x), .inference)?.value.scalars, perLayer(b, Variable(x)).value.scalars)
    }

    func testOtherBodiesKeepTheLayerPath() {
        var r = SplitMix64(seed: 5)
        let x = Tensor.uniform([2, 4, 6, 6], low: -1, high: 1, using: &r)
        let b = block(inChannels: 4, width: 4, outChannels: 4, stride: 1, x: x, &r)
        let fp32 = conv(Conv2dConfig(4, 4, kernelSize: 3, padding: 1), .relu, &r).prepacked()
        let grouped = conv(Conv2dConfig(4, 4, kernelSize: 3, padding: 1, groups: 2), .relu, &r).prepacked()
        for other in [FusedResidualBlock(body: [b.body[0], fp32], last: b.last, shortcut: nil),
                      FusedResidualBlock(body: [grouped], last: b.last, shortcut: nil),
                      FusedResidualBlock(body: [b.body[0]], last: fp32, shortcut: nil)] {
            XCTAssertNil(other.int8Chained(Variable(x), .inference))
            XCTAssertEqual(other(Variable(x), .inference).value.scalars, perLayer(other, Variable(x)).value.scalars)
        }
    }

    /// A quantised ResNet-18 (8 base channels) with every block chained against the same network with every block on
    /// the per-layer path: equal logits, scalar for scalar.
    func testQuantizedResNetOutputsAreUnchangedByChaining() throws {
        let net = try Network(spec: .classifier(.resnet18, classes: 5, widthMultiplier: 0.125), seed: 4)
        var r = SplitMix64(seed: 8)
        for (name, p) in net.namedParameters where name.hasSuffix("running_var") || name.hasSuffix("running_mean") {
            p.value = Tensor.uniform(p.shape, low: name.hasSuffix("var") ? 0.5 : -0.2, high: name.hasSuffix("var") ? 1.5 : 0.2, using: &r)
        }
        let calibration = (0..<3).map { _ in Tensor.uniform([4, 3, 32, 32], low: -2, high: 2, using: &r) }
        let q = try QuantizedModel.quantize(net, calibration: calibration, calibrator: .percentile)
        var chained = 0, sharing = 0
        func unchain(_ layer: any Layer) -> any Layer {
            switch layer {
            case let s as Sequential: return Sequential(s.layers.map(unchain))
            case let n as NamedLayers: return NamedLayers(children: n.children.map { ($0.name, unchain($0.layer)) })
            case let b as FusedResidualBlock:
                if let first = b.body.first as? QuantizedConv2d,
                   b.int8Chained(Variable(Tensor(shape: [1, first.config.inChannels, 4, 4], scalars: [Float](repeating: 0.5, count: first.config.inChannels * 16))),
                                 .inference) != nil { chained += 1 }
                // Calibrated on the same tensor, a projection gets conv1's quantisation: the input is quantised once.
                if let p = b.projection, p.input == (b.body.first as? QuantizedConv2d)?.input { sharing += 1 }
                return PerLayerBlock(block: b)
            default: return layer
            }
        }
        let reference = q.network.replacingLayers(q.network.layers.map(unchain))
        XCTAssertEqual(chained, 8, "ResNet-18's 8 basic blocks run chained")
        XCTAssertEqual(sharing, 3, "the 3 projections read conv1's codes")
        for _ in 0..<2 {
            let x = Tensor.uniform([3, 3, 40, 36], low: -2, high: 2, using: &r)
            XCTAssertEqual(q.network([x]).scalars, reference([x]).scalars)
        }
    }
}

/// A block run on the per-layer path (the reference of the chained one).
private struct PerLayerBlock: Layer {
    let block: FusedResidualBlock
    func forward(_ x: Variable, _ ctx: ForwardContext) -> Variable {
        let identity = block.shortcut?(x, ctx) ?? x
        return block.last.forward(block.body.reduce(x) { $1($0, ctx) }, residual: identity, ctx)
    }
    var namedParameters: [(name: String, parameter: Parameter)] { [] }
    func foldedForInference() -> any Layer { self }
}
