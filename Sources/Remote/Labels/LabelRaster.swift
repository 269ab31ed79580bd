// A label raster: one class number per pixel, 0 = unlabelled, read from a GeoTIFF or an ENVI
// raster (class names from an ENVI Classification header when it has them), or from an ENVI ROI
// ASCII export placed on the scene's grid.

import Foundation
import Shared

public struct LabelRaster: Sendable {
    public var samples: Int
    public var lines: Int
    /// lines × samples row-major; 0 = unlabelled, k ≥ 1 = class k.
    public var labels: [Int]
    /// Names of classes 1…K (index 0 is class 1), when the file names them.
    public var classNames: [String]?
    public var source: String
    public var transform: GeoTransform?

    public init(samples: Int, lines: Int, labels: [Int], classNames: [String]? = nil, source: String = "", transform: GeoTransform? = nil) {
        precondition(labels.count == samples * lines)
        self.samples = samples
        self.lines = lines
        self.labels = labels
        self.classNames = classNames
        self.source = source
        self.transform = transform
    }

    /// Reads a one-band raster of whole numbers, or an ENVI ROI ASCII export, which needs the
    /// scene's `grid` (it records points, not an image). `variable` picks the array of a MAT-file;
    /// pixels equal to `unlabelled` (besides 0) are unlabelled, for scenes that mark them otherwise
    /// (MUUFL Gulfport's scene labels use -1).
    public static func read(_ path: String, grid: RasterGrid? = nil, variable: String? = nil, unlabelled: Int = 0) throws -> LabelRaster {
        if EnviROIFile.isROI(path) {
            guard let grid else { throw ReticleError(.usage, file: path, "an ENVI ROI export needs the scene it was drawn on (--hsi or --lidar)") }
            return try EnviROIFile.read(path, grid: grid)
        }
        let cube = try RasterFile.read(path, variable: variable)
        guard cube.bands == 1 else {
            throw ReticleError(.usage, file: path, "a label raster has one band; this one has \(cube.bands)")
        }
        var labels = [Int](repeating: 0, count: cube.values.count)
        let none = Float(unlabelled)
        for (i, v) in cube.values.enumerated() {
            if v.isNaN || Double(v) == cube.noDataValue || v == none { continue }
            guard v >= 0, v == v.rounded(), v < 65536 else {
                let hint = v < 0 && v == v.rounded() ? " (if it marks unlabelled pixels, say so with --unlabelled \(Int(v)))" : ""
                throw ReticleError(.corrupt, file: path, "pixel \(i % cube.samples), \(i / cube.samples) holds \(v), not a class number 0…65535\(hint)")
            }
            labels[i] = Int(v)
        }
        var names: [String]?
        // Names come only from the ENVI header that describes this raster (not from one that sits beside a GeoTIFF).
        let isTIFF = cube.geoReference != nil || (try? FileHeader.read(path: path, count: 2)).map { $0 == [0x49, 0x49] || $0 == [0x4D, 0x4D] } ?? false
        let headerPath = path.lowercased().hasSuffix(".hdr") ? path : EnviHeader.headerPath(forData: path)
        if !isTIFF, let h = headerPath.flatMap({ try? EnviHeader.read(path: $0) }), var list = h.list("class names") {
            // ENVI lists "Unclassified" first for class 0.
            if list.count > (labels.max() ?? 0) { list.removeFirst() }
            names = list
        }
        return LabelRaster(samples: cube.samples, lines: cube.lines, labels: labels, classNames: names, source: path,
                           transform: cube.geoTransform)
    }

    public var classCount: Int { max(labels.max() ?? 0, classNames?.count ?? 0) }

    /// "class k" where the file gives no name.
    public var names: [String] {
        (1...max(classCount, 1)).map { k in classNames.flatMap { k - 1 < $0.count ? $0[k - 1] : nil } ?? "class \(k)" }
    }

    /// Labelled pixels per class 1…K.
    public var counts: [Int] {
        var c = [Int](repeating: 0, count: classCount + 1)
        for l in labels { c[l] += 1 }
        return Array(c.dropFirst())
    }

    /// Checks the raster lies on the cube's grid.
    public func check(against grid: RasterGrid) throws {
        guard samples == grid.samples, lines == grid.lines else {
            throw ReticleError(.usage, file: source,
                               "labels are \(samples) × \(lines) but the scene is \(grid.samples) × \(grid.lines); they must share the grid")
        }
    }
}
