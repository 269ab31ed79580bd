// The LiDAR input of a scene: a LAS point cloud rasterised onto the cube's grid, or a LiDAR
// raster (GeoTIFF/ENVI: DSM, DTM, nDSM, intensity bands) that is already on it or is resampled
// onto it by nearest neighbour through both geotransforms.

import Foundation
import Shared

public enum LidarSource {
    /// A raster on `grid`; `like` (the HSI cube, when there is one) gives the grid and its georeferencing.
    /// `variable` picks the array of a MAT-file raster.
    public static func load(_ path: String, like cube: HyperspectralCube?, rasterizer: LidarRasterizer,
                            variable: String? = nil) throws -> HyperspectralCube {
        let header = try FileHeader.read(path: path, count: 4)
        if header.starts(with: Array("LASF".utf8)) {
            if let variable {
                throw ReticleError(.usage, file: path, "a variable (\"\(variable)\") can only be named for a MATLAB .mat file, not a LAS point cloud")
            }
            guard let cube else {
                throw ReticleError(.usage, file: path, "a LAS point cloud needs --hsi (or a raster) to define the grid it is rasterised onto")
            }
            let cloud = try LasPointCloud(path: path)
            return try rasterizer.rasterize(cloud.readAll(), like: cube, file: path).raster
        }
        let raster = try RasterFile.read(path, variable: variable)
        guard let cube else { return raster }
        return try resample(raster, onto: cube, file: path)
    }

    /// `raster` on `cube`'s grid: unchanged when the grids agree, nearest-neighbour through the transforms otherwise.
    public static func resample(_ raster: HyperspectralCube, onto cube: HyperspectralCube, file: String) throws -> HyperspectralCube {
        let target = RasterGrid(cube), source = RasterGrid(raster)
        let sameSize = target.samples == source.samples && target.lines == source.lines
        guard let tt = target.transform, let st = source.transform else {
            guard sameSize else {
                throw ReticleError(.usage, file: file,
                                   "the raster is \(source.samples) × \(source.lines) and the cube \(target.samples) × \(target.lines), and one of them has no georeferencing to align them")
            }
            return raster
        }
        let close = zip(tt.coefficients, st.coefficients).allSatisfy { abs($0 - $1) <= 1e-6 * Swift.max(1, abs($0)) }
        if sameSize && close { return raster }
        let plane = target.pixelCount, sourcePlane = source.pixelCount
        var values = [Float](repeating: 0, count: plane * raster.bands)
        var inside = 0
        for r in 0..<target.lines {
            for c in 0..<target.samples {
                let m = tt.map(column: Double(c) + 0.5, row: Double(r) + 0.5)
                guard let p = st.pixel(x: m.x, y: m.y) else { continue }
                let (sc, sr) = (Int(p.column.rounded(.down)), Int(p.row.rounded(.down)))
                guard sc >= 0, sc < source.samples, sr >= 0, sr < source.lines else { continue }
                inside += 1
                for b in 0..<raster.bands {
                    values[b * plane + r * target.samples + c] = raster.values[b * sourcePlane + sr * source.samples + sc]
                }
            }
        }
        guard inside > 0 else {
            throw ReticleError(.usage, file: file, "the raster does not overlap the cube's grid")
        }
        var out = HyperspectralCube(samples: target.samples, lines: target.lines, bands: raster.bands, values: values,
                                    sourceType: raster.sourceType, source: file, mapInfo: cube.mapInfo)
        out.geoReference = cube.geoReference
        return out
    }
}
