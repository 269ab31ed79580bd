// Generated slides for the slide tests: a training slide, a test slide with the tumour on the
// other side, a tumour-free slide, a slide with no scale at all, and a copy with a corrupted
// tile; plus the regions CSV a model is trained from. Made once per test run.

import Foundation
import Medical
import Shared
import TestSupport

enum SlideFixtures {
    struct Set {
        let dir: URL
        var train: String { dir.appendingPathComponent("train.tif").path }
        var test: String { dir.appendingPathComponent("test.tif").path }
        var clean: String { dir.appendingPathComponent("clean.tif").path }
        var unscaled: String { dir.appendingPathComponent("unscaled.tif").path }
        var corrupt: String { dir.appendingPathComponent("corrupt.tif").path }
        var regions: String { dir.appendingPathComponent("regions.csv").path }
        let testSlide: SyntheticSlide
    }

    static let trainSlide: SyntheticSlide = {
        var s = SyntheticSlide()
        s.seed = 1
        return s
    }()

    static let testSlide: SyntheticSlide = {
        var s = SyntheticSlide()
        s.seed = 2
        s.tumour = (x: 900, y: 256, width: 892, height: 1024)
        s.penRow = 1420
        return s
    }()

    static let shared: Set = {
        let dir = makeTemporaryDirectory("reticle-slides")
        let set = Set(dir: dir, testSlide: testSlide)
        try! trainSlide.write(to: set.train)
        try! testSlide.write(to: set.test)
        var clean = SyntheticSlide()
        clean.seed = 3
        clean.tumour = nil
        try! clean.write(to: set.clean)
        var unscaled = SyntheticSlide()
        unscaled.seed = 4
        unscaled.resolutionTags = false
        try! unscaled.write(to: set.unscaled)
        try! FileManager.default.copyItem(atPath: set.test, toPath: set.corrupt)
        try! SlideTestTIFF.corruptTile(path: set.corrupt, page: 1, tile: 19)
        // Four regions per class (row bands), so a split by region keeps both classes on both sides.
        var csv = "slide,x,y,width,height,label\n"
        for band in 0..<4 {
            csv += "train.tif,256,\(256 + 256 * band),896,256,tumour\n"
            csv += "train.tif,1152,\(256 + 256 * band),640,256,normal\n"
        }
        try! csv.write(toFile: set.regions, atomically: true, encoding: .utf8)
        return set
    }()

    /// Trains the small tile model once (regions CSV on the training slide) and returns its path.
    static let model: String = {
        var o = MedTrainTilesOptions()
        o.epochs = 6
        o.tileSize = 32
        o.umPerPx = 1.0
        o.widths = "8,16,32"
        o.validationFraction = 0.25
        o.learningRate = 5e-3
        let data = try! TileDataset.load(shared.regions, tileSize: o.tileSize, umPerPixel: o.umPerPx, fallbackMpp: nil)
        let result = try! TileTrainer(options: o).train(data, stain: .identity)
        let path = shared.dir.appendingPathComponent("tiles.safetensors").path
        try! ModelFile.save(result.network, manifest: result.manifest, to: URL(fileURLWithPath: path))
        return path
    }()
}
