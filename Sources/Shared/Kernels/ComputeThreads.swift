// The one process-wide bound on compute threads (`--threads N`): every kernel split
// (convolutions, weight packing, pooling, depthwise, BatchNorm) and OpenBLAS's pool honour it.
// Loops that run several items at once (batch runs, data preparation) share it among their
// workers, so N items in flight run their kernels on one part each, never N × N threads.

import CBLAS
import CKernels
import Foundation

public enum ComputeThreads {
    private static let lock = NSLock()
    nonisolated(unsafe) private static var bound = ProcessInfo.processInfo.activeProcessorCount
    nonisolated(unsafe) private static var outerWorkers = 1
    nonisolated(unsafe) private static var recorded: [Int]?

    /// Threads the process may compute on; the machine's cores until `set` is called.
    public static var count: Int { lock.withLock { bound } }

    /// Bounds every kernel and OpenBLAS to `n` threads (what the CLI's `--threads N` calls).
    public static func set(_ n: Int) {
        precondition(n >= 1, "thread count must be positive, got \(n)")
        lock.withLock {
            bound = n
            openblas_set_num_threads(Int32(Swift.max(1, n / outerWorkers)))
        }
    }

    /// Parts one kernel call may split into: the bound shared among the outer workers running now.
    public static var perKernel: Int { lock.withLock { Swift.max(1, bound / outerWorkers) } }

    /// Workers for a loop over items: `requested` when positive, otherwise the bound.
    public static func workers(requested: Int) -> Int { requested > 0 ? requested : count }

    /// Runs `body` while `workers` threads of the caller run kernels at once: each kernel call then splits into
    /// the bound divided among them (at least one part), and OpenBLAS likewise.
    public static func sharing<T>(among workers: Int, _ body: () throws -> T) rethrows -> T {
        let previous = lock.withLock {
            let previous = outerWorkers
            outerWorkers = Swift.max(1, workers)
            openblas_set_num_threads(Int32(Swift.max(1, bound / outerWorkers)))
            return previous
        }
        defer {
            lock.withLock {
                outerWorkers = previous
                openblas_set_num_threads(Int32(Swift.max(1, bound / outerWorkers)))
            }
        }
        return try body()
    }

    /// Runs `body(part)` for parts 0..<parts on the machine's cores (inline when there is one part). Every kernel
    /// splits through here, with `parts` at most `perKernel`: on the kernel pool's spinning workers (KernelPool.c),
    /// or libdispatch when the pool is busy with another split (or RETICLE_KERNEL_THREADS=dispatch).
    static func run(parts: Int, _ body: (Int) -> Void) {
        lock.withLock { recorded?.append(parts) }
        if parts <= 1 { body(0); return }
        if usesPool, runOnPool(parts: parts, body) { return }
        DispatchQueue.concurrentPerform(iterations: parts, execute: body)
    }

    /// False when RETICLE_KERNEL_THREADS=dispatch: every split on libdispatch, as before the pool (for comparison).
    static let usesPool = ProcessInfo.processInfo.environment["RETICLE_KERNEL_THREADS"]?.lowercased() != "dispatch"

    /// `body`'s parts on the kernel pool; false (nothing run) when the pool did not take the job.
    static func runOnPool(parts: Int, _ body: (Int) -> Void) -> Bool {
        withoutActuallyEscaping(body) { escapable in
            var job = escapable
            return withUnsafeMutablePointer(to: &job) { pointer in
                rk_pool_run(Int32(parts), { context, part in
                    context!.assumingMemoryBound(to: ((Int) -> Void).self).pointee(Int(part))
                }, pointer) == 1
            }
        }
    }

    /// The part counts of every kernel split while `body` ran (tests: the bound is observable, not only timed).
    public static func recordingSplits(_ body: () throws -> Void) rethrows -> [Int] {
        lock.withLock { recorded = [] }
        defer { lock.withLock { recorded = nil } }
        try body()
        return lock.withLock { recorded ?? [] }
    }
}
