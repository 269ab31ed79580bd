// Winograd F(4×4, 3×3) for inference (Sources/CKernels/ConvWinograd.c): 3×3,
// stride-1 convolutions with prepacked weights may run on it instead of the
// direct kernel. Which is faster depends on the layer (a 7×7 plane of one image
// has 4 tiles and a 9 MB transformed weight; 56×56 planes have hundreds of
// tiles), so the first layer of each shape (weight and input sizes) times both
// and the process keeps the faster one for that shape. RETICLE_WINOGRAD=on|off
// forces either (off: bit-identical results from run to run, as before).

import CKernels
import Foundation

/// Which kernel runs eligible 3×3 convolutions at inference.
public enum WinogradMode: String, Sendable {
    /// Per layer and input shape, whichever was faster when both were timed once (the default).
    case auto
    /// Winograd wherever eligible (tests, benchmarks).
    case on
    /// Never: the direct kernel, as before Winograd existed.
    case off
}

/// One layer's 3×3 weight transformed for Winograd (built on first use), and the process-wide record of whether
/// Winograd won for each convolution shape (weight and input sizes): a model loaded twice, or two layers of one shape,
/// run the same kernel, so a reloaded model predicts bit for bit what the original did in the same process.
final class WinogradPlan: @unchecked Sendable {
    private let lock = NSLock()
    private var transformed: UnsafeMutablePointer<Float>?
    private static let choiceLock = NSLock()
    nonisolated(unsafe) private static var choices: [ConvGeometry: Bool] = [:]
    nonisolated(unsafe) private static var tally = (timed: 0, chosen: 0)

    deinit { transformed?.deallocate() }

    /// The transformed weight of `weight` [C_out, C_in, 3, 3] (U = G·g·Gᵀ, packed in 16-channel panels).
    func weights(_ weight: Tensor) -> UnsafePointer<Float> {
        lock.withLock {
            if let u = transformed { return UnsafePointer(u) }
            let k = weight.shape[0], c = weight.shape[1]
            let u = UnsafeMutablePointer<Float>.allocate(capacity: rk_winograd_weight_count(Int32(k), Int32(c)))
            let panels = (k + Int(RK_WINOGRAD_PANEL) - 1) / Int(RK_WINOGRAD_PANEL)
            let parts = Swift.max(1, Swift.min(Convolution.threads, panels))
            weight.withUnsafePointer { w in
                Convolution.runParts(parts) { part in rk_winograd_pack(w, Int32(k), Int32(c), u, Int32(part), Int32(parts)) }
            }
            transformed = u
            return UnsafePointer(u)
        }
    }

    func choice(_ g: ConvGeometry) -> Bool? { Self.choiceLock.withLock { Self.choices[g] } }
    func record(_ g: ConvGeometry, winograd: Bool) {
        Self.choiceLock.withLock {
            Self.choices[g] = winograd
            Self.tally.timed += 1
            if winograd { Self.tally.chosen += 1 }
        }
    }

    /// Shapes timed so far in this process and how many chose Winograd.
    static var tallied: (timed: Int, chosen: Int) { choiceLock.withLock { tally } }
}

extension Convolution {
    /// RETICLE_WINOGRAD (auto when unset or unknown); tests set it directly.
    nonisolated(unsafe) public static var winogradMode: WinogradMode =
        WinogradMode(rawValue: ProcessInfo.processInfo.environment["RETICLE_WINOGRAD"]?.lowercased() ?? "") ?? .auto

    /// Convolution shapes timed so far and how many chose Winograd, for `reticle bench`.
    static var winogradTally: (timed: Int, chosen: Int) { WinogradPlan.tallied }

    /// Whether `g` can run on the Winograd kernel: 3×3, stride 1, no dilation, no groups, and a padded input whose
    /// offsets fit the kernel's 32-bit gather indices.
    static func winogradEligible(_ g: ConvGeometry) -> Bool {
        guard g.kernelH == 3, g.kernelW == 3, g.strideH == 1, g.strideW == 1, g.dilationH == 1, g.dilationW == 1,
              g.groups == 1 else { return false }
        let padded = g.batch * g.inChannels * (4 * ((g.outHeight + 3) / 4) + 2) * (4 * ((g.outWidth + 3) / 4) + 2)
        return padded < Int(Int32.max) - 64
    }

    /// An inference forward pass with prepacked weights: Winograd or the direct kernel, as `winogradMode` and, in
    /// auto mode, the layer's measurement for this input shape decide. The measurement runs each kernel twice and
    /// keeps the faster second run (the first allocates the kernels' scratch buffers).
    static func forwardChoosing(_ g: ConvGeometry, input: Tensor, packed: PackedConvWeights, bias: Tensor?,
                                residual: Tensor?, activation: FusedActivation) -> Tensor {
        let direct = { forwardPacked(g, input: input, packed: packed, bias: bias, residual: residual, activation: activation) }
        guard let weight = packed.weight, winogradEligible(g), winogradMode != .off else { return direct() }
        let winograd = { forwardWinograd(g, input: input, weights: packed.winograd.weights(weight), bias: bias,
                                         residual: residual, activation: activation) }
        if winogradMode == .on { return winograd() }
        if let useWinograd = packed.winograd.choice(g) { return useWinograd ? winograd() : direct() }
        var best = (direct: Double.infinity, winograd: Double.infinity)
        var outputs = (direct: direct(), winograd: winograd())
        for _ in 0..<2 {
            var start = DispatchTime.now().uptimeNanoseconds
            outputs.direct = direct()
            best.direct = Swift.min(best.direct, Double(DispatchTime.now().uptimeNanoseconds - start))
            start = DispatchTime.now().uptimeNanoseconds
            outputs.winograd = winograd()
            best.winograd = Swift.min(best.winograd, Double(DispatchTime.now().uptimeNanoseconds - start))
        }
        let useWinograd = best.winograd < best.direct
        packed.winograd.record(g, winograd: useWinograd)
        return useWinograd ? outputs.winograd : outputs.direct
    }

    /// The Winograd kernel on `g` (eligible) with weights from `WinogradPlan.weights`. Shapes as `forward`.
    static func forwardWinograd(_ g: ConvGeometry, input: Tensor, weights: UnsafePointer<Float>, bias: Tensor?,
                                residual: Tensor?, activation: FusedActivation) -> Tensor {
        var shape = kernelShape(g)
        var hq: Int32 = 0, wq: Int32 = 0
        rk_winograd_padded_size(&shape, &hq, &wq)
        let parts = Swift.max(1, threads)
        var padded = Tensor(uninitializedShape: [g.batch, g.inChannels, Int(hq), Int(wq)])
        input.withUnsafePointer { x in padded.withUnsafeMutablePointer { xp in
            runParts(parts) { part in rk_winograd_pad(&shape, Int32(g.inChannels), x, xp, Int32(part), Int32(parts)) }
        } }
        shape.input_image_stride = padded.count / g.batch
        var out = Tensor(uninitializedShape: g.outputShape)
        let act = activation.kernelCode
        withExtendedLifetime((bias, residual)) {
            let b = bias.map { UnsafePointer($0.storage.pointer) }, r = residual.map { UnsafePointer($0.storage.pointer) }
            padded.withUnsafePointer { xp in out.withUnsafeMutablePointer { y in
                runParts(parts) { part in rk_conv_winograd(&shape, xp, weights, b, r, act, y, Int32(part), Int32(parts)) }
            } }
        }
        return out
    }
}
