// Throughput measurements for `reticle bench`: the machine's sgemm GFLOP/s,
// forward throughput of a network (ResNet-18 at 224 px, batch 1 and 16), and
// training throughput, so each figure reads as a fraction of the hardware.

import CKernels
import Foundation

public enum Benchmark {
    /// One measured figure.
    public struct Result: Equatable, Sendable {
        public var name: String
        public var batch: Int
        public var imagesPerSecond: Double
        /// Achieved arithmetic rate (2 FLOPs per multiply-add of the convolutions and GEMMs).
        public var gflops: Double

        public var json: JSONValue {
            ["name": .string(name), "batch": .int(batch),
             "images_per_second": .number((imagesPerSecond * 100).rounded() / 100), "gflops": .number((gflops * 10).rounded() / 10)]
        }
    }

    /// Best-of-`repeats` rate of one n×n×n `cblas_sgemm` with OpenBLAS's default threads.
    public static func sgemmGFLOPS(size n: Int = 1024, repeats: Int = 5) -> Double {
        var rng = SplitMix64(seed: 1)
        let a = Tensor.uniform([n, n], using: &rng), b = Tensor.uniform([n, n], using: &rng)
        var best = Double.infinity
        for _ in 0..<repeats {
            let t = Date()
            _ = a.matmul(b)
            best = min(best, Date().timeIntervalSince(t))
        }
        return 2 * Double(n * n * n) / best / 1e9
    }

    /// The FMA peak of the cores the kernels run on: `Convolution.threads` parts at once, each running independent
    /// vector FMA chains (AVX-512 or AVX2, as the kernels use), best of `repeats`.
    public static func fmaPeakGFLOPS(repeats: Int = 3) -> Double {
        let parts = Swift.max(1, Convolution.threads), iterations = 20_000_000
        let flopsPerIteration = rk_fma_chains(1)
        var best = 0.0
        for _ in 0..<repeats {
            let t = Date()
            Convolution.runParts(parts) { _ in _ = rk_fma_chains(iterations) }
            best = Swift.max(best, Double(parts) * flopsPerIteration * Double(iterations) / Date().timeIntervalSince(t) / 1e9)
        }
        return best
    }

    /// Forward (evaluation-mode) images per second: BatchNorm folded and activations fused first when `folded`.
    public static func forwardThroughput(spec: ModelSpec, batch: Int, size: Int, iterations: Int = 5, folded: Bool = true) throws -> Result {
        let net = try Network(spec: spec, seed: 1)
        let model: any Layer = folded ? net.foldedForInference() : net
        var rng = SplitMix64(seed: 2)
        let x = Tensor.uniform([batch, spec.inputChannels, size, size], using: &rng)
        let flops = 2 * Double(Convolution.countingMultiplyAdds { _ = model(x) })
        return timedForward(name: "\(spec.architecture.rawValue) forward \(size)px", batch: batch, flops: flops,
                            iterations: iterations) { _ = model(x) }
    }

    /// Times `forward` (one batch of `batch` images, `flops` operations) after a warm-up run, as the mean over
    /// `iterations` runs, the way the reference scripts in ../shared/anchors report theirs.
    static func timedForward(name: String, batch: Int, flops: Double, iterations: Int, _ forward: () -> Void) -> Result {
        // A second warm-up run: the storage pool fills during the first ones, after that buffers are reused.
        forward()
        let t = Date()
        for _ in 0..<iterations { forward() }
        let mean = Date().timeIntervalSince(t) / Double(iterations)
        return Result(name: name, batch: batch, imagesPerSecond: Double(batch) / mean, gflops: flops / mean / 1e9)
    }

    /// Training images per second: forward, backward and an SGD step per batch.
    public static func trainingThroughput(spec: ModelSpec, batch: Int, size: Int, iterations: Int = 3) throws -> Result {
        let net = try Network(spec: spec, seed: 1)
        let opt = SGD(net.trainableParameters, learningRate: 1e-3, momentum: 0.9)
        var rng = SplitMix64(seed: 2)
        let x = Tensor.uniform([batch, spec.inputChannels, size, size], using: &rng)
        let classes = spec.heads[0].classes.count
        let labels = [(0..<batch).map { $0 % classes }]
        let forwardFlops = 2 * Double(Convolution.countingMultiplyAdds { net.trainStep(inputs: x, labels: labels, optimizer: opt) })
        net.trainStep(inputs: x, labels: labels, optimizer: opt)  // a second warm-up step, as the references take two
        let t = Date()
        for i in 0..<iterations { net.trainStep(inputs: x, labels: labels, optimizer: opt, seed: UInt64(i)) }
        let mean = Date().timeIntervalSince(t) / Double(iterations)
        // Backward costs about twice the forward (input and weight gradients).
        return Result(name: "\(spec.architecture.rawValue) training \(size)px", batch: batch,
                      imagesPerSecond: Double(batch) / mean, gflops: 3 * forwardFlops / mean / 1e9)
    }

    /// The figures `reticle bench` reports, as ordered JSON.
    public static func standardSuite(includeTraining: Bool = true) throws -> JSONValue {
        let sgemm = sgemmGFLOPS()
        let peak = fmaPeakGFLOPS()
        let resnet = ModelSpec.classifier(.resnet18, classes: 1000)
        // 10 classes at 128 px, as ../shared/anchors/torch_train.py uses by default (it also times inference there).
        let small = ModelSpec.classifier(.resnet18, classes: 10)
        // Iterations for about 5 s each on this project's machine, as the reference scripts time.
        var results = try [forwardThroughput(spec: resnet, batch: 1, size: 224, iterations: 200),
                       forwardThroughput(spec: resnet, batch: 16, size: 224, iterations: 16),
                       forwardThroughput(spec: small, batch: 32, size: 128, iterations: 20),
                       forwardThroughput(spec: .classifier(.mobilenetV2, classes: 1000), batch: 1, size: 224, iterations: 400)]
        results += try [int8ForwardThroughput(spec: resnet, batch: 16, size: 224, iterations: 16),
                        int8ForwardThroughput(spec: resnet, batch: 1, size: 224, iterations: 100)]
        if includeTraining { results.append(try trainingThroughput(spec: small, batch: 32, size: 128, iterations: 8)) }
        // Each figure as a share of the FMA peak (training counts its backward as twice the forward).
        let rows: [JSONValue] = results.map { r in
            guard case .object(var fields) = r.json else { return r.json }
            fields["fma_peak_share"] = .number((r.gflops / peak * 1000).rounded() / 1000)
            return .object(fields)
        }
        return ["sgemm_gflops": .number((sgemm * 10).rounded() / 10), "fma_peak_gflops": .number((peak * 10).rounded() / 10),
                "cores": .int(ProcessInfo.processInfo.activeProcessorCount),
                "blas_threads": .int(Gemm.threads), "conv_threads": .int(Convolution.threads),
                "conv_kernels": .string(Convolution.microKernelISA), "int8_kernels": .string(Int8Convolution.kernelISA),
                "winograd": .string(Convolution.winogradMode.rawValue),
                "winograd_layers": ["timed": .int(Convolution.winogradTally.timed), "chosen": .int(Convolution.winogradTally.chosen)],
                "results": .array(rows)]
    }
}

extension Convolution {
    nonisolated(unsafe) static var multiplyAddCounter: Int? = nil

    /// Multiply-adds of the convolution forwards run inside `body` (single-threaded bookkeeping; for benchmarks).
    static func countingMultiplyAdds(_ body: () -> Void) -> Int {
        multiplyAddCounter = 0
        body()
        defer { multiplyAddCounter = nil }
        return multiplyAddCounter!
    }
}
