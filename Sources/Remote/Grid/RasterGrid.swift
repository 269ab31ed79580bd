// The pixel grid everything of one scene is put on: its size and, when known, where it lies.

import Foundation
import Shared

public struct RasterGrid: Equatable, Sendable {
    public var samples: Int
    public var lines: Int
    public var transform: GeoTransform?

    public init(samples: Int, lines: Int, transform: GeoTransform?) {
        self.samples = samples
        self.lines = lines
        self.transform = transform
    }

    /// The cube's own grid.
    public init(_ cube: HyperspectralCube) {
        self.init(samples: cube.samples, lines: cube.lines, transform: cube.geoTransform)
    }

    public var pixelCount: Int { samples * lines }
}
