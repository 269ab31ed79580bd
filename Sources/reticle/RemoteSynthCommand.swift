// `reticle remote synth --out DIR`: a generated co-registered scene (cube.img/.hdr, lidar.las,
// labels.tif) whose classes need spectrum and height together.
import ArgumentParser
import Foundation
import Remote
import Shared

struct RemoteSynthCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "synth",
        abstract: "Write a generated HSI + LiDAR scene with labels (classes separable only by fusing both).")

    @Option(help: "Output folder.") var out: String
    @Option(help: "Pixels per line.") var samples = RemoteSynthOptions().samples
    @Option(help: "Lines.") var lines = RemoteSynthOptions().lines
    @Option(help: "Spectral bands.") var bands = RemoteSynthOptions().bands
    @Option(help: "Seed of the layout, spectra and points.") var seed = RemoteSynthOptions().seed

    var options: RemoteSynthOptions {
        var o = RemoteSynthOptions()
        o.samples = samples
        o.lines = lines
        o.bands = bands
        o.seed = seed
        return o
    }

    func validate() throws { try usage { try options.validate() } }

    func run() throws {
        do {
            let scene = try options.generator().write(to: URL(fileURLWithPath: out))
            print("wrote \(out)/cube.img + cube.hdr (\(samples) × \(lines) × \(bands)), lidar.las (\(scene.points.count) points), labels.tif (classes: \(FusionSceneGenerator.classNames.joined(separator: ", ")))")
        } catch { throw fail(error) }
    }
}
