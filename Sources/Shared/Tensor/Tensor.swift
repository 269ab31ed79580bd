// Tensor: a Float32, row-major (NCHW for images), contiguous array with value
// semantics. Storage is a final class shared until written (copy-on-write).

import Foundation

/// Heap storage for a tensor's scalars; shared between tensor copies until one of them writes.
public final class TensorStorage: @unchecked Sendable {
    public let count: Int
    public let pointer: UnsafeMutablePointer<Float>

    /// Uninitialised storage is exposed only to kernels that overwrite every element.
    init(count: Int) {
        self.count = count
        let bytes = max(count, 1) * MemoryLayout<Float>.stride
        let raw = StoragePool.take(bytes: bytes)
            // 64-byte alignment keeps SIMD loads on one cache line.
            ?? UnsafeMutableRawPointer.allocate(byteCount: bytes, alignment: 64)
        pointer = raw.bindMemory(to: Float.self, capacity: max(count, 1))
    }

    convenience init(repeating value: Float, count: Int) {
        self.init(count: count)
        pointer.initialize(repeating: value, count: count)
    }

    @usableFromInline func copy() -> TensorStorage {
        let s = TensorStorage(count: count)
        s.pointer.update(from: pointer, count: count)
        return s
    }

    deinit {
        let raw = UnsafeMutableRawPointer(pointer)
        if !StoragePool.give(raw, bytes: max(count, 1) * MemoryLayout<Float>.stride) { raw.deallocate() }
    }
}

/// Recycles large tensor allocations. Inference allocates the same activation sizes batch after
/// batch, and a fresh multi-megabyte block costs page faults (the allocator maps it anew) every time.
enum StoragePool {
    /// Blocks below this size come cheaply from malloc's own free lists.
    static let minimumBytes = 1 << 16
    /// The most the pool holds while idle; beyond it blocks go back to the system. A training step of
    /// ResNet-18 at 128 px, batch 32, frees about a gigabyte of activations and gradients at once.
    nonisolated(unsafe) static var limitBytes = 1 << 30
    private static let lock = NSLock()
    nonisolated(unsafe) private static var free: [Int: [UnsafeMutableRawPointer]] = [:]
    nonisolated(unsafe) private static var heldBytes = 0

    static func take(bytes: Int) -> UnsafeMutableRawPointer? {
        guard bytes >= minimumBytes else { return nil }
        lock.lock(); defer { lock.unlock() }
        guard let p = free[bytes]?.popLast() else { return nil }
        heldBytes -= bytes
        return p
    }

    /// Keeps the block for reuse (true) or declines it (false: the caller deallocates).
    static func give(_ p: UnsafeMutableRawPointer, bytes: Int) -> Bool {
        guard bytes >= minimumBytes else { return false }
        lock.lock(); defer { lock.unlock() }
        guard heldBytes + bytes <= limitBytes else { return false }
        free[bytes, default: []].append(p)
        heldBytes += bytes
        return true
    }
}

/// A dense Float32 tensor. `shape` is outermost first; the last axis is contiguous.
public struct Tensor: @unchecked Sendable, CustomStringConvertible {
    public private(set) var shape: [Int]
    @usableFromInline var storage: TensorStorage

    /// A tensor of `shape` filled with `value`.
    public init(shape: [Int], repeating value: Float = 0) {
        precondition(shape.allSatisfy { $0 >= 0 }, "negative dimension in shape \(shape)")
        self.shape = shape
        storage = TensorStorage(repeating: value, count: shape.reduce(1, *))
    }

    /// A tensor whose scalars are undefined until written: only for kernels that overwrite every element.
    init(uninitializedShape shape: [Int]) {
        self.shape = shape
        storage = TensorStorage(count: shape.reduce(1, *))
    }

    /// A tensor of `shape` holding `scalars` in row-major order.
    public init(shape: [Int], scalars: [Float]) {
        precondition(shape.reduce(1, *) == scalars.count, "shape \(shape) needs \(shape.reduce(1, *)) scalars, got \(scalars.count)")
        self.shape = shape
        storage = TensorStorage(count: scalars.count)
        if !scalars.isEmpty { scalars.withUnsafeBufferPointer { storage.pointer.initialize(from: $0.baseAddress!, count: scalars.count) } }
    }

    /// A tensor whose scalars are written by `body` into uninitialised-but-zeroed memory.
    public init(shape: [Int], zeroedThen body: (UnsafeMutablePointer<Float>) -> Void) {
        self.init(shape: shape)
        body(storage.pointer)
    }

    /// A rank-0 tensor.
    public init(scalar: Float) { self.init(shape: [], scalars: [scalar]) }

    public static func zeros(_ shape: [Int]) -> Tensor { Tensor(shape: shape) }
    public static func ones(_ shape: [Int]) -> Tensor { Tensor(shape: shape, repeating: 1) }

    public var rank: Int { shape.count }
    public var count: Int { storage.count }
    public var scalars: [Float] { Array(UnsafeBufferPointer(start: storage.pointer, count: count)) }

    /// The only scalar of a one-element tensor.
    public var item: Float {
        precondition(count == 1, "item needs one element, shape is \(shape)")
        return storage.pointer[0]
    }

    /// Read access to the scalars; the pointer is valid only inside `body`.
    @inlinable
    public func withUnsafePointer<R>(_ body: (UnsafePointer<Float>) throws -> R) rethrows -> R {
        try withExtendedLifetime(storage) { try body(UnsafePointer(storage.pointer)) }
    }

    /// Write access; copies the storage first when it is shared (copy-on-write).
    @inlinable
    public mutating func withUnsafeMutablePointer<R>(_ body: (UnsafeMutablePointer<Float>) throws -> R) rethrows -> R {
        if !isKnownUniquelyReferenced(&storage) { storage = storage.copy() }
        return try withExtendedLifetime(storage) { try body(storage.pointer) }
    }

    /// Element at a full multi-index (slow; for tests and small bookkeeping).
    public subscript(_ index: Int...) -> Float {
        get { storage.pointer[flatIndex(index)] }
        set {
            let i = flatIndex(index)
            withUnsafeMutablePointer { $0[i] = newValue }
        }
    }

    func flatIndex(_ index: [Int]) -> Int {
        precondition(index.count == shape.count, "index \(index) does not match shape \(shape)")
        var flat = 0
        for (i, d) in zip(index, shape) {
            precondition(i >= 0 && i < d, "index \(index) out of range for shape \(shape)")
            flat = flat * d + i
        }
        return flat
    }

    /// The same scalars under a new shape; one dimension may be -1 (inferred).
    public func reshaped(_ newShape: [Int]) -> Tensor {
        var s = newShape
        if let k = s.firstIndex(of: -1) {
            let known = s.enumerated().filter { $0.offset != k }.map(\.element).reduce(1, *)
            precondition(known > 0 && count % known == 0, "cannot infer -1 in \(newShape) for \(count) elements")
            s[k] = count / known
        }
        precondition(s.reduce(1, *) == count, "cannot reshape \(shape) to \(newShape)")
        var t = self
        t.shape = s
        return t
    }

    /// [N, ...] → [N, rest] (keeps the batch axis).
    public func flattenedBatch() -> Tensor { reshaped([shape[0], -1]) }

    /// Items `range` of the outermost axis, copied.
    public func slice(_ range: Range<Int>) -> Tensor {
        precondition(rank >= 1 && range.lowerBound >= 0 && range.upperBound <= shape[0], "slice \(range) out of \(shape)")
        let inner = shape.dropFirst().reduce(1, *)
        var out = Tensor(shape: [range.count] + shape.dropFirst())
        withUnsafePointer { src in
            out.withUnsafeMutablePointer { $0.update(from: src + range.lowerBound * inner, count: range.count * inner) }
        }
        return out
    }

    /// Stacks tensors of equal shape along a new outermost axis.
    public static func stack(_ items: [Tensor]) -> Tensor {
        precondition(!items.isEmpty, "stack of nothing")
        let s = items[0].shape
        precondition(items.allSatisfy { $0.shape == s }, "stack needs equal shapes")
        var out = Tensor(shape: [items.count] + s)
        let n = items[0].count
        out.withUnsafeMutablePointer { dst in
            for (i, t) in items.enumerated() { t.withUnsafePointer { (dst + i * n).update(from: $0, count: n) } }
        }
        return out
    }

    public var description: String {
        let head = scalars.prefix(8).map { String(format: "%.4g", $0) }.joined(separator: ", ")
        return "Tensor\(shape)[\(head)\(count > 8 ? ", …" : "")]"
    }
}
