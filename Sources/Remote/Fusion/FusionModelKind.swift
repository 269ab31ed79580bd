// Which modalities a land-cover model sees: both (two-branch fusion) or one of them, so the
// gain of fusion is measured with the same branches and classifier.

import Foundation
import Shared

public enum FusionModelKind: String, Codable, Sendable, CaseIterable {
    /// HSI branch + LiDAR branch, features concatenated, one classifier.
    case fusion
    case hsi = "hsi-only"
    case lidar = "lidar-only"

    public var usesHSI: Bool { self != .lidar }
    public var usesLidar: Bool { self != .hsi }

    public static func parse(_ text: String) throws -> FusionModelKind {
        guard let k = FusionModelKind(rawValue: text) else {
            throw ReticleError(.usage, "--model-kind must be one of \(allCases.map(\.rawValue).joined(separator: ", ")), got \"\(text)\"")
        }
        return k
    }
}
