// Small co-registered scenes for tests and demos: an HSI cube, a LAS point cloud and a label
// raster on one UTM grid, whose four classes need both modalities. Grass and trees share a
// vegetation spectrum and differ in height; roads and roofs share a mineral spectrum and differ
// in height; so spectra alone confuse pairs, heights alone confuse the other pairs, and only
// fusion separates all four. Heights of trees and roofs share one range and every class shares
// one intensity range, so no LiDAR layer tells the pairs apart either. Regions are Voronoi cells, so spatially disjoint blocks hold
// whole patches of each class.

import Foundation
import Shared

public struct FusionSceneGenerator: Sendable {
    public var samples = 64
    public var lines = 64
    public var bands = 16
    public var regions = 40
    public var pointsPerPixel = 3
    /// Standard deviation of the spectral noise, relative to the reflectance scale.
    public var spectralNoise: Float = 0.03
    public var seed: UInt64 = 1

    public static let classNames = ["grass", "trees", "road", "roof"]

    public init(samples: Int = 64, lines: Int = 64, bands: Int = 16, seed: UInt64 = 1) {
        self.samples = samples
        self.lines = lines
        self.bands = bands
        self.seed = seed
    }

    public struct Scene {
        public var cube: HyperspectralCube
        public var points: [LasWritePoint]
        /// 1…4 per pixel.
        public var labels: [Int]
    }

    /// The grid: UTM zone 16 North (WGS-84), 1 m pixels, as MUUFL Gulfport's.
    public var mapInfo: MapInfo {
        MapInfo(projection: "UTM", referencePixelX: 1, referencePixelY: 1, easting: 334_000, northing: 3_350_000,
                pixelSizeX: 1, pixelSizeY: 1, zone: 16, hemisphere: "North", datum: "WGS-84", units: "Meters")
    }

    public func generate() -> Scene {
        var rng = SplitMix64(seed: seed)
        let sites = (0..<regions).map { i in
            (x: rng.nextUnit() * Double(samples), y: rng.nextUnit() * Double(lines), k: i % 4 + 1)
        }
        var labels = [Int](repeating: 0, count: samples * lines)
        for l in 0..<lines {
            for s in 0..<samples {
                let (px, py) = (Double(s) + 0.5, Double(l) + 0.5)
                labels[l * samples + s] = sites.min { a, b in
                    (a.x - px) * (a.x - px) + (a.y - py) * (a.y - py) < (b.x - px) * (b.x - px) + (b.y - py) * (b.y - py)
                }!.k
            }
        }
        // Vegetation: red edge; mineral: flat rising. Wavelengths 400–1000 nm.
        let wl = (0..<bands).map { 400 + 600 * Double($0) / Double(max(bands - 1, 1)) }
        func spectrum(_ k: Int, _ w: Double) -> Float {
            let vegetation = k == 1 || k == 2
            if vegetation { return Float(0.05 + 0.4 / (1 + exp(-(w - 710) / 20)) + 0.03 * exp(-pow((w - 550) / 30, 2))) }
            return Float(0.18 + 0.12 * (w - 400) / 600)
        }
        let plane = samples * lines
        var values = [Float](repeating: 0, count: plane * bands)
        for p in 0..<plane {
            let k = labels[p]
            // Brightness varies per pixel (illumination), so no single band separates by intensity alone.
            let gain = 0.8 + 0.4 * Float(rng.nextUnit())
            for b in 0..<bands {
                values[b * plane + p] = gain * spectrum(k, wl[b]) + spectralNoise * rng.nextNormal()
            }
        }
        var cube = HyperspectralCube(samples: samples, lines: lines, bands: bands, values: values, sourceType: .float32,
                                     source: "synthetic", wavelengths: wl, wavelengthUnits: "Nanometers", mapInfo: mapInfo)
        cube.noDataValue = nil
        let t = GeoTransform(mapInfo: mapInfo)
        var points: [LasWritePoint] = []
        for l in 0..<lines {
            for s in 0..<samples {
                let k = labels[l * samples + s]
                for _ in 0..<pointsPerPixel {
                    let (c, r) = (Double(s) + rng.nextUnit(), Double(l) + rng.nextUnit())
                    let m = t.map(column: c, row: r)
                    // Gently sloping terrain, so raw elevation alone is not height.
                    let ground = 10 + 0.05 * c + 0.03 * r + 0.05 * rng.nextUnit()
                    let intensity = UInt16(40 + rng.next() % 40)
                    switch k {
                    case 2, 4:  // trees and roofs: 5–7 m up; ground below only where pulses pass the canopy
                        let high = ground + 5 + 2 * rng.nextUnit()
                        if k == 2 && rng.nextUnit() < 0.25 {
                            points.append(LasWritePoint(x: m.x, y: m.y, z: ground, intensity: intensity, returnNumber: 2,
                                                        numberOfReturns: 2, classification: 2))
                        } else {
                            points.append(LasWritePoint(x: m.x, y: m.y, z: high, intensity: intensity,
                                                        classification: k == 2 ? 5 : 6))
                        }
                    default:  // grass and roads lie on the ground
                        points.append(LasWritePoint(x: m.x, y: m.y, z: ground + 0.1 * rng.nextUnit(), intensity: intensity,
                                                    classification: 2))
                    }
                }
            }
        }
        return Scene(cube: cube, points: points, labels: labels)
    }

    /// Writes cube.img/.hdr (ENVI, BSQ float32, map info), lidar.las, labels.tif and the same labels
    /// as an ENVI Classification file with class names (labels.img/.hdr) into `folder`.
    public func write(to folder: URL) throws -> Scene {
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let scene = generate()
        try EnviWriter.write(scene.cube, to: folder.appendingPathComponent("cube.img").path)
        try LasWriter.write(scene.points, to: folder.appendingPathComponent("lidar.las").path)
        var labelCube = HyperspectralCube(samples: samples, lines: lines, bands: 1, values: scene.labels.map(Float.init),
                                          sourceType: .uint8, mapInfo: mapInfo)
        labelCube.noDataValue = nil
        try GeoTIFFWriter.write(labelCube, to: folder.appendingPathComponent("labels.tif").path)
        try EnviWriter.write(labelCube, to: folder.appendingPathComponent("labels.img").path,
                             options: EnviWriteOptions(classNames: ["Unclassified"] + Self.classNames))
        return scene
    }
}
