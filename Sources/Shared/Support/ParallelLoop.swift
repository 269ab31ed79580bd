// The one worker loop behind every parallel batch (dataset generation, image preparation, the
// batch runner): a fixed number of workers take the next index until none is left, so `--threads`
// caps the work, uneven items balance out, and the first failure stops new work and is thrown.
// The convolution kernels split their own work (Kernels/PackedConvolution.swift); this is for
// items of a batch.

import Foundation

/// Calls `body(i)` for every `i` in `0..<count` on up to `workers` threads and returns the
/// results in index order.
///
/// - Parameters:
///   - workers: the most threads to use; 0 or less means the compute-thread bound (`--threads`,
///     `ComputeThreads.count`). One worker runs everything on the calling thread, in order. The
///     kernels inside each item share the bound (`ComputeThreads.sharing`), so items × kernel
///     threads never exceed it.
///   - body: runs concurrently on several threads, so whatever it shares must be safe to share.
/// - Throws: the first error `body` throws (first in time); indices not yet started are then
///   skipped, those already running finish.
public func parallelMap<T>(count: Int, workers: Int, _ body: (Int) throws -> T) throws -> [T] {
    guard count > 0 else { return [] }
    let threads = min(count, ComputeThreads.workers(requested: workers))
    if threads <= 1 { return try (0..<count).map(body) }

    let state = ParallelLoopState<T>(count)
    ComputeThreads.sharing(among: threads) { DispatchQueue.concurrentPerform(iterations: threads) { _ in
        while let i = state.take(below: count) {
            do {
                let value = try body(i)
                state.lock.lock(); state.results[i] = value; state.lock.unlock()
            } catch {
                state.lock.lock(); if state.error == nil { state.error = error }; state.lock.unlock()
            }
        }
    } }
    if let error = state.error { throw error }
    return state.results.map { $0! }
}

/// `parallelMap` for work that returns nothing: calls `body(i)` for every `i` in `0..<count` on up
/// to `workers` threads (0 or less: the compute-thread bound) and throws the first error.
public func parallelForEach(count: Int, workers: Int, _ body: (Int) throws -> Void) throws {
    _ = try parallelMap(count: count, workers: workers, body)
}

/// What the workers share; everything behind `lock`.
private final class ParallelLoopState<T>: @unchecked Sendable {
    let lock = NSLock()
    var next = 0
    var results: [T?]
    var error: Error?
    init(_ count: Int) { results = [T?](repeating: nil, count: count) }

    /// The next index to work on, or nil once everything is handed out or something failed.
    func take(below count: Int) -> Int? {
        lock.lock(); defer { lock.unlock() }
        guard error == nil, next < count else { return nil }
        next += 1
        return next - 1
    }
}
