// The rasters a LAS point cloud becomes on a cube's grid, one band each, in the order asked for.

import Foundation
import Shared

public enum LidarLayer: String, Sendable, Codable, CaseIterable {
    /// Highest return per cell: the surface (canopy, roofs).
    case maxZ = "max_z"
    /// The ground: lowest ground-classified point (class 2) per cell, or lowest of all when the cloud has no ground class.
    case minZ = "min_z"
    /// max_z − min_z: the height of whatever stands on the ground.
    case normalizedHeight = "normalized_height"
    case meanIntensity = "mean_intensity"
    /// Points per cell (holes stay 0: no points is a fact, not a gap).
    case pointCount = "point_count"
    /// Share of the cell's points that are second or later returns (vegetation lets pulses through).
    case multipleReturnFraction = "multiple_return_fraction"

    /// Surface, ground, height and intensity: what land-cover fusion uses by default.
    public static let standard: [LidarLayer] = [.maxZ, .minZ, .normalizedHeight, .meanIntensity]

    /// Parses "max_z,normalized_height,...".
    public static func list(_ text: String) throws -> [LidarLayer] {
        let names = text.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
        let layers = names.compactMap(LidarLayer.init(rawValue:))
        guard !layers.isEmpty, layers.count == names.count else {
            throw ReticleError(.usage, "LiDAR layers must be among \(allCases.map(\.rawValue).joined(separator: ", ")), got \"\(text)\"")
        }
        return layers
    }
}
