// Loads the rasters of one scene for training or classification: the HSI cube (any raster
// format) and the LiDAR input (LAS rasterised onto the cube's grid, or a LiDAR raster), checked
// to share one grid.

import Foundation
import Shared

public struct FusionInputs: Sendable {
    public var hsi: HyperspectralCube?
    public var lidar: HyperspectralCube?

    public var grid: RasterGrid { RasterGrid(hsi ?? lidar!) }
    /// The raster whose georeferencing outputs carry.
    public var reference: HyperspectralCube { hsi ?? lidar! }

    /// `hsiVariable` and `lidarVariable` pick the arrays of MAT-file inputs (MatFile.resolve).
    public static func load(hsi: String?, lidar: String?, layers: [LidarLayer],
                            hsiVariable: String? = nil, lidarVariable: String? = nil) throws -> FusionInputs {
        guard hsi != nil || lidar != nil else { throw ReticleError(.usage, "give --hsi, --lidar or both") }
        let cube = try hsi.map { try RasterFile.read($0, variable: hsiVariable) }
        let raster = try lidar.map {
            try LidarSource.load($0, like: cube, rasterizer: LidarRasterizer(layers: layers), variable: lidarVariable)
        }
        return FusionInputs(hsi: cube, lidar: raster)
    }
}
