// Calibration of per-tensor activation ranges for int8 inference: every quantised
// convolution's input is observed on a sample of real inputs run through the fp32
// network, and a calibrator turns what was seen into the u8 scale and zero point.

import Foundation

/// How an observed activation distribution becomes a u8 range.
public enum ActivationCalibrator: String, Codable, CaseIterable, Sendable {
    /// The smallest and largest value seen: nothing clips, but one outlier coarsens every code.
    case minmax
    /// The 0.01 % and 99.99 % quantiles (by default): the rare extremes clip, the bulk gets finer codes.
    case percentile
}

/// What one convolution's input looked like during calibration. Threads may observe one at a time (the lock).
final class ActivationObserver: @unchecked Sendable {
    private let lock = NSLock()
    private(set) var low = Float.infinity
    private(set) var high = -Float.infinity
    /// An evenly strided subsample of every batch (at most `samplesPerBatch` values each), for the quantiles.
    private var sample: [Float] = []
    static let samplesPerBatch = 1 << 16

    func observe(_ x: Tensor) {
        x.withUnsafePointer { p in
            let n = x.count
            var lo = Float.infinity, hi = -Float.infinity
            for i in 0..<n where p[i].isFinite { lo = Swift.min(lo, p[i]); hi = Swift.max(hi, p[i]) }
            let step = Swift.max(1, n / Self.samplesPerBatch)
            let picked = stride(from: 0, to: n, by: step).map { p[$0] }.filter(\.isFinite)
            lock.withLock {
                low = Swift.min(low, lo); high = Swift.max(high, hi)
                sample += picked
            }
        }
    }

    /// The u8 quantisation this calibrator chooses; `percentile` is the upper quantile in percent (99.99).
    func quantization(_ calibrator: ActivationCalibrator, percentile: Double) -> ActivationQuantization {
        lock.withLock {
            guard low <= high else { return ActivationQuantization(scale: 1, zeroPoint: 0) }
            switch calibrator {
            case .minmax:
                return ActivationQuantization(low: low, high: high)
            case .percentile:
                let sorted = sample.sorted()
                // Every strided pick non-finite while other values were: the observed range is all there is.
                guard !sorted.isEmpty else { return ActivationQuantization(low: low, high: high) }
                func quantile(_ q: Double) -> Float { sorted[Swift.min(sorted.count - 1, Swift.max(0, Int((q * Double(sorted.count - 1)).rounded())))] }
                return ActivationQuantization(low: quantile(1 - percentile / 100), high: quantile(percentile / 100))
            }
        }
    }
}

/// A convolution that records its input before running (calibration only).
struct ObservedConvolution: ResidualConvolution {
    let conv: Conv2d
    let observer: ActivationObserver

    func forward(_ x: Variable, _ ctx: ForwardContext) -> Variable {
        observer.observe(x.value)
        return conv(x, ctx)
    }

    func forward(_ x: Variable, residual: Variable, _ ctx: ForwardContext) -> Variable {
        observer.observe(x.value)
        return conv.forward(x, residual: residual, ctx)
    }

    var namedParameters: [(name: String, parameter: Parameter)] { [] }
    func foldedForInference() -> any Layer { self }
}
