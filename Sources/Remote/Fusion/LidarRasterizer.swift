// Puts LAS points onto a cube's pixel grid (through its geotransform) and reduces each cell to the
// requested layers; cells no point fell into are filled by inverse-distance weighting, except the
// point count. The result is a cube on the same grid, one band per layer, carrying the grid's
// georeferencing, so it is co-registered with the HSI cube by construction.

import Foundation
import Shared

public struct LidarRasterizer: Sendable {
    public var layers: [LidarLayer]
    public var fill: InverseDistanceFill

    public init(layers: [LidarLayer] = LidarLayer.standard, fill: InverseDistanceFill = InverseDistanceFill()) {
        self.layers = layers
        self.fill = fill
    }

    /// What rasterising found: the raster and how many points fell on and off the grid.
    public struct Result: Sendable {
        public var raster: HyperspectralCube
        public var pointsOnGrid: Int
        public var pointsOffGrid: Int
        /// Cells that held at least one point.
        public var coveredCells: Int
    }

    /// `like` supplies the grid and the georeferencing the raster carries.
    public func rasterize(_ points: LasPoints, like cube: HyperspectralCube, file: String) throws -> Result {
        let grid = RasterGrid(cube)
        guard let t = grid.transform else {
            throw ReticleError(.usage, file: cube.source,
                               "the cube has no map info or geotransform, so LiDAR points from \(URL(fileURLWithPath: file).lastPathComponent) cannot be placed on its grid")
        }
        let (w, h) = (grid.samples, grid.lines)
        let n = w * h
        var maxZ = [Float](repeating: -.infinity, count: n)
        var minAll = [Float](repeating: .infinity, count: n)
        var minGround = [Float](repeating: .infinity, count: n)
        var intensity = [Double](repeating: 0, count: n)
        var count = [Int](repeating: 0, count: n)
        var later = [Int](repeating: 0, count: n)
        let hasGround = points.classification.contains(2)
        var on = 0
        for i in 0..<points.count {
            guard let p = t.pixel(x: points.x[i], y: points.y[i]) else { continue }
            let (c, r) = (Int(p.column.rounded(.down)), Int(p.row.rounded(.down)))
            guard c >= 0, c < w, r >= 0, r < h else { continue }
            on += 1
            let k = r * w + c
            let z = Float(points.z[i])
            maxZ[k] = Swift.max(maxZ[k], z)
            minAll[k] = Swift.min(minAll[k], z)
            if points.classification[i] == 2 { minGround[k] = Swift.min(minGround[k], z) }
            intensity[k] += Double(points.intensity[i])
            count[k] += 1
            if points.returnNumber[i] > 1 { later[k] += 1 }
        }
        guard on > 0 else {
            throw ReticleError(.usage, file: file,
                               "none of the \(points.count) points falls on the cube's grid (\(w) × \(h) pixels from (\(t.originX), \(t.originY))); check that both use the same coordinate system")
        }
        let covered = count.map { $0 > 0 }
        let ground = hasGround ? minGround : minAll
        let groundCovered = ground.map(\.isFinite)
        let surface = fill.fill(maxZ.map { $0.isFinite ? $0 : 0 }, filled: covered, samples: w, lines: h)
        let floor = fill.fill(ground.map { $0.isFinite ? $0 : 0 }, filled: groundCovered, samples: w, lines: h)
        var bands: [Float] = []
        bands.reserveCapacity(n * layers.count)
        for layer in layers {
            switch layer {
            case .maxZ: bands += surface
            case .minZ: bands += floor
            case .normalizedHeight: bands += zip(surface, floor).map { Swift.max(0, $0 - $1) }
            case .meanIntensity:
                let mean = (0..<n).map { count[$0] > 0 ? Float(intensity[$0] / Double(count[$0])) : 0 }
                bands += fill.fill(mean, filled: covered, samples: w, lines: h)
            case .pointCount: bands += count.map(Float.init)
            case .multipleReturnFraction:
                let share = (0..<n).map { count[$0] > 0 ? Float(later[$0]) / Float(count[$0]) : 0 }
                bands += fill.fill(share, filled: covered, samples: w, lines: h)
            }
        }
        var raster = HyperspectralCube(samples: w, lines: h, bands: layers.count, values: bands, sourceType: .float32,
                                       source: file, mapInfo: cube.mapInfo)
        raster.geoReference = cube.geoReference
        return Result(raster: raster, pointsOnGrid: on, pointsOffGrid: points.count - on,
                      coveredCells: covered.filter { $0 }.count)
    }
}
