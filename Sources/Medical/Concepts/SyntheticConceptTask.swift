// A generated concept-bottleneck task with a planted confounder, for tests, demos and the README
// without downloads. 16×16 grey images carry four concepts, each told apart by local appearance
// (a small CNN pools position away): a dark disc (left half), a stripe texture, a bright square
// (right half, irrelevant to the class) and a 4×4 checkerboard marker in the top-left corner. The class ("lesion" / "benign") is disc AND stripes, with `labelNoise` of the labels
// flipped. The marker is the confounder: at the training site it comes with the (noisy) lesion label
// (`markerAgreement` of the time), so a model learns to lean on it; at the shifted site it comes with
// the other class, and the stripes are fainter (`stripeContrast` lower), so a discriminative concept
// fires weakly. Writes `images/`, `labels.csv` (file, label, patient: two images per patient) and
// `concepts.csv` (file, disc, stripes, square, marker). Same settings, same bytes.

import Foundation
import Shared

public struct SyntheticConceptTask: Sendable {
    public enum Site: String, Codable, CaseIterable, Sendable { case training, shifted }
    public static let conceptNames = ["disc", "stripes", "square", "marker"]

    public var count = 400
    public var site = Site.training
    public var seed: UInt64 = 1
    public var labelNoise = 0.1
    public var markerAgreement = 0.85
    public var stripeContrast: Float?
    public init() {}

    /// Writes the set under `folder` (created). Returns the number of lesion images.
    @discardableResult
    public func write(to folder: String) throws -> Int {
        let fm = FileManager.default
        try fm.createDirectory(atPath: folder + "/images", withIntermediateDirectories: true)
        var rng = SplitMix64(seed: seed &* 0x9E37_79B9 &+ (site == .training ? 0 : 0x5157))
        let contrast = stripeContrast ?? (site == .training ? 0.3 : 0.18)
        var labels = "file,label,patient\n", concepts = "file," + Self.conceptNames.joined(separator: ",") + "\n"
        var lesions = 0
        for i in 0..<count {
            let lesion = rng.nextUniform() < 0.5
            var disc = true, stripes = true
            if !lesion {
                switch Int(rng.next() % 3) { case 0: disc = false; case 1: stripes = false; default: disc = false; stripes = false }
            }
            let square = rng.nextUniform() < 0.5
            let label = rng.nextUniform() < Float(labelNoise) ? !lesion : lesion
            let agree = rng.nextUniform() < Float(markerAgreement)
            let marker = site == .training ? (agree ? label : !label) : (agree ? !label : label)
            var px = [Float](repeating: 0.4, count: 256)
            for k in px.indices { px[k] += 0.05 * (rng.nextUniform() * 2 - 1) }
            if stripes { for y in 0..<16 where y % 4 < 2 { for x in 0..<16 { px[y * 16 + x] += contrast } } }
            if disc {
                let cx = 4 + Int(rng.next() % 3), cy = 6 + Int(rng.next() % 5)
                for y in 0..<16 { for x in 0..<8 where (x - cx) * (x - cx) + (y - cy) * (y - cy) <= 6 { px[y * 16 + x] -= 0.35 } }
            }
            if square {
                let sx = 9 + Int(rng.next() % 4), sy = 4 + Int(rng.next() % 8)
                for y in sy..<(sy + 4) { for x in sx..<(sx + 4) { px[y * 16 + x] += 0.45 } }
            }
            if marker { for y in 0..<4 { for x in 0..<4 { px[y * 16 + x] = (x + y) % 2 == 0 ? 1 : 0 } } }
            let bytes = px.map { UInt8(Swift.max(0, Swift.min(255, ($0 * 255).rounded()))) }
            let name = String(format: "images/img_%04d.png", i)
            try ImageFile.write(Image(width: 16, height: 16, channels: 1, storage: .uint8(bytes)), to: folder + "/" + name)
            labels += "\(name),\(label ? "lesion" : "benign"),P\(i / 2)\n"
            concepts += "\(name),\(disc ? 1 : 0),\(stripes ? 1 : 0),\(square ? 1 : 0),\(marker ? 1 : 0)\n"
            if label { lesions += 1 }
        }
        try AtomicFile.write(labels, to: URL(fileURLWithPath: folder + "/labels.csv"))
        try AtomicFile.write(concepts, to: URL(fileURLWithPath: folder + "/concepts.csv"))
        return lesions
    }
}
