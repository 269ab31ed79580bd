// `reticle bench`: throughput of the CNN core on this machine, with its sgemm ceiling.
import ArgumentParser
import Foundation
import Shared

struct BenchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench",
        abstract: "Measure ResNet-18 inference (224 px, batch 1 and 16, fp32 and int8; 128 px, batch 32), training (128 px, batch 32) and MobileNetV2 inference (224 px, batch 1) throughput.",
        discussion: """
        Also measures this machine's OpenBLAS sgemm GFLOP/s, so each figure reads as a fraction \
        of what the hardware can do, and the FMA peak of the cores used (each figure's share of it); \
        names the convolution kernels in use (AVX-512 or AVX2; RETICLE_KERNELS=avx2 forces the AVX2 ones) \
        and the Winograd mode (RETICLE_WINOGRAD=auto|on|off; auto times Winograd against the direct \
        kernel once per 3×3 layer and input shape). Compare with ONNX Runtime and PyTorch run in \
        the same session (../shared/anchors/, `make bench`); the README records the figures and \
        the commands.
        """)

    @Flag(name: .long, help: "Machine-readable JSON on stdout.")
    var json = false

    @Flag(name: .long, help: "Skip the training measurement (the slowest).")
    var noTraining = false

    @Option(name: .long, help: "Compute threads for every kernel and OpenBLAS (default: one per core).")
    var threads: Int = 0

    func validate() throws {
        if threads < 0 { throw ValidationError("--threads must be ≥ 0") }
    }

    func run() throws {
        applyComputeThreads(threads)
        let suite = try Benchmark.standardSuite(includeTraining: !noTraining)
        if json {
            print(suite.serialized(pretty: true))
            return
        }
        let sgemm = suite["sgemm_gflops"]?.doubleValue ?? 0, peak = suite["fma_peak_gflops"]?.doubleValue ?? 0
        print(String(format: "sgemm (1024³): %.1f GFLOP/s, FMA peak %.1f GFLOP/s on %d cores; convolution kernels: %@, Winograd %@, int8: %@",
                     sgemm, peak, suite["cores"]?.intValue ?? 0, suite["conv_kernels"]?.stringValue ?? "?",
                     suite["winograd"]?.stringValue ?? "?", suite["int8_kernels"]?.stringValue ?? "?"))
        for r in suite["results"]?.arrayValue ?? [] {
            let gflops = r["gflops"]?.doubleValue ?? 0
            print(String(format: "%@ batch %d: %.2f img/s, %.1f GFLOP/s (%.0f %% of the FMA peak, %.0f %% of sgemm)",
                         r["name"]?.stringValue ?? "", r["batch"]?.intValue ?? 0, r["images_per_second"]?.doubleValue ?? 0,
                         gflops, peak > 0 ? 100 * gflops / peak : 0, sgemm > 0 ? 100 * gflops / sgemm : 0))
        }
    }
}
