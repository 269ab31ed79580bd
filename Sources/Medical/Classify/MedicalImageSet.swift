// A labelled medical image set in memory, with its train / validation / test splits: what
// `med train` and `med evaluate` read. Images are scaled to [0, 1] and normalised as MedMNIST's
// reference training does ((x − 0.5) / 0.5). Loaded from NumPy archives in the MedMNIST layout.

import Foundation
import Shared

public struct MedicalImageSet: TrainingSamples {
    public enum Task: String, Codable, Sendable {
        /// Labels N×1 with two values: one binary head.
        case binary
        /// Labels N×1 with more values: one categorical head.
        case multiClass = "multi-class"
        /// Labels N×K of 0/1: one binary head per column.
        case multiLabel = "multi-label"
    }

    public let task: Task
    /// Normalised images. Shape [N, C, H, W].
    public let images: Tensor
    /// One label array of N per head.
    public let labels: [[Int]]
    /// Class names per head.
    public let heads: [HeadSpec]
    /// Sample indices per split ("train", "val", "test").
    public let splits: [String: [Int]]

    public var count: Int { images.shape[0] }

    public func sample(_ index: Int) throws -> TrainingSample {
        TrainingSample(image: images.slice(index..<(index + 1)).reshaped(Array(images.shape.dropFirst())), labels: labels.map { $0[index] })
    }

    /// Reads a MedMNIST-layout archive: `{train,val,test}_images` (uint8 N×H×W or N×H×W×3) and
    /// `{train,val,test}_labels` (N×1 class indices, or N×K 0/1 for multi-label). The same H, W, C and K throughout.
    public static func npz(_ path: String) throws -> MedicalImageSet {
        let npz = try NpzArchive(path: path)
        var pixels: [Float] = [], rows: [[Int]] = [], splits: [String: [Int]] = [:]
        var shape: [Int]?, width: Int?
        for split in ["train", "val", "test"] {
            let images = try npz.array("\(split)_images"), labels = try npz.array("\(split)_labels")
            guard images.dtype == .uint8, images.shape.count == 3 || (images.shape.count == 4 && images.shape[3] == 3) else {
                throw ReticleError(.unsupported, file: path, "array \"\(split)_images\" is \(images.dtype) \(images.shape); uint8 N×H×W or N×H×W×3 is read")
            }
            let n = images.shape[0]
            let one = Array(images.shape.dropFirst())
            guard shape == nil || shape! == one else {
                throw ReticleError(.corrupt, file: path, "array \"\(split)_images\" has images of \(one), the others \(shape!)")
            }
            shape = one
            guard labels.shape.count == 2 || labels.shape.count == 1, labels.shape[0] == n else {
                throw ReticleError(.corrupt, file: path, "array \"\(split)_labels\" has shape \(labels.shape) for \(n) images")
            }
            let k = labels.shape.count == 2 ? labels.shape[1] : 1
            guard k >= 1, width == nil || width! == k else { throw ReticleError(.corrupt, file: path, "array \"\(split)_labels\" has \(k) columns, the others \(width!)") }
            width = k
            let values = try labels.integers(file: path, what: "array \"\(split)_labels\"")
            guard values.allSatisfy({ $0 >= 0 && $0 < 100_000 }) else { throw ReticleError(.corrupt, file: path, "array \"\(split)_labels\" holds a negative or huge label") }
            splits[split] = Array(rows.count..<(rows.count + n))
            rows += (0..<n).map { Array(values[($0 * k)..<($0 * k + k)]) }
            // N×H×W×C (interleaved) → N×C×H×W, scaled to [0, 1], then (x − 0.5) / 0.5.
            let (h, w, c) = (one[0], one[1], one.count == 3 ? 3 : 1)
            let raw = [UInt8](images.data)
            for i in 0..<n { for ch in 0..<c { for p in 0..<(h * w) { pixels.append(Float(raw[(i * h * w + p) * c + ch]) / 127.5 - 1) } } }
        }
        let (h, w, c) = (shape![0], shape![1], shape!.count == 3 ? 3 : 1), k = width!
        let task: Task, labels: [[Int]], heads: [HeadSpec]
        if k > 1 {
            guard rows.allSatisfy({ $0.allSatisfy { $0 <= 1 } }) else { throw ReticleError(.corrupt, file: path, "multi-label columns must hold 0 or 1") }
            task = .multiLabel
            labels = (0..<k).map { j in rows.map { $0[j] } }
            heads = (0..<k).map { HeadSpec(name: "label\($0)", kind: .binary, classes: ["0", "1"]) }
        } else {
            let classes = (rows.map { $0[0] }.max() ?? 0) + 1
            guard classes >= 2 else { throw ReticleError(.corrupt, file: path, "the labels hold one class only") }
            task = classes == 2 ? .binary : .multiClass
            labels = [rows.map { $0[0] }]
            heads = [HeadSpec(name: "class", kind: classes == 2 ? .binary : .categorical, classes: (0..<classes).map(String.init))]
        }
        return MedicalImageSet(task: task, images: Tensor(shape: [rows.count, c, h, w], scalars: pixels), labels: labels, heads: heads, splits: splits)
    }
}
