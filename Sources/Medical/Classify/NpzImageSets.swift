// The `.npz` inputs of `med classify`, each decoded once (MedicalImageSet.npz) and shared by the
// items that name its images (`file.npz#split/index`), with each image's label from the archive.

import Foundation
import Shared

final class NpzImageSets: @unchecked Sendable {  // the cache is guarded by `lock`
    struct Member { var path: String; var split: String; var index: Int }

    private var sets: [String: Result<MedicalImageSet, Error>] = [:]
    private let lock = NSLock()

    /// `file.npz#split/index` taken apart; nil for any other path.
    static func member(_ path: String) -> Member? {
        guard let hash = path.range(of: ".npz#", options: [.backwards, .caseInsensitive]) else { return nil }
        let rest = path[hash.upperBound...]
        guard let slash = rest.firstIndex(of: "/"), let index = Int(rest[rest.index(after: slash)...]), index >= 0 else { return nil }
        return Member(path: String(path[..<hash.lowerBound]) + String(path[hash.lowerBound..<hash.upperBound].dropLast()),
                      split: String(rest[..<slash]), index: index)
    }

    func set(_ path: String) throws -> MedicalImageSet {
        lock.lock()
        defer { lock.unlock() }
        if let cached = sets[path] { return try cached.get() }
        let result = Result { try MedicalImageSet.npz(path) }
        sets[path] = result
        return try result.get()
    }

    /// The member's image (0…1, for thumbnails and overlays), its network input and its label's class name.
    func image(_ m: Member, preprocessing p: Preprocessing, classes: [String]) throws -> (Image, Tensor, String?) {
        let set = try set(m.path)
        guard let indices = set.splits[m.split], m.index < indices.count else {
            throw ReticleError(.usage, file: m.path, "has no image \(m.index) in its \(m.split) split (\(set.splits[m.split]?.count ?? 0) images)")
        }
        let i = indices[m.index]
        let s = set.images.shape
        guard s[1] == p.channels, s[2] == p.height, s[3] == p.width else {
            throw ReticleError(.usage, file: m.path, "its images are \(s[1])×\(s[2])×\(s[3]), the model takes \(p.channels)×\(p.height)×\(p.width)")
        }
        // The archive's normalisation is MedMNIST's, (x − 0.5) / 0.5; the model's may differ.
        let raw = set.images.slice(i..<(i + 1)).scalars.map { $0 * 0.5 + 0.5 }
        let (c, hw) = (s[1], s[2] * s[3])
        var interleaved = [Float](repeating: 0, count: raw.count)
        for ch in 0..<c { for k in 0..<hw { interleaved[k * c + ch] = raw[ch * hw + k] } }
        let image = Image(width: s[3], height: s[2], channels: c, storage: .float32(interleaved))
        let x = try p.tensor(image)
        let label = set.task == .multiLabel ? nil : set.labels[0][i]
        return (image, x, label.flatMap { $0 < classes.count ? classes[$0] : nil })
    }
}
