// `reticle remote classify [--hsi CUBE] [--lidar ...] --model M --out DIR [--reference TEST]`: a land-cover
// map of the whole scene as GeoTIFF and PNG, with metrics and a report.
import ArgumentParser
import Foundation
import Remote
import Shared

struct RemoteClassifyCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "classify",
        abstract: "Classify every pixel of a scene with a land-cover model.",
        discussion: """
        Writes DIR/map.tif (class numbers, georeferenced like the input), map.png (with a \
        numbered legend), legend.json, probabilities.tif with --probabilities, metrics.json \
        with --reference (overall_accuracy, average_accuracy, kappa, per_class, confusion) \
        and report.html. SCENE files may stand for --hsi and --lidar: a LAS file is the LiDAR, \
        the first other file the cube, a second one a LiDAR raster (what `reticle run` passes).
        """)

    @Argument(help: "Scene files in place of --hsi/--lidar (for protocols).") var scene: [String] = []
    @Option(help: "Hyperspectral cube.") var hsi: String?
    @Option(help: "LiDAR: LAS file or raster on the cube's grid.") var lidar: String?
    @Option(help: "Model from `reticle remote train`.") var model: String
    @Option(help: "Output folder.") var out: String
    @Option(help: "Reference (test) label raster.") var reference: String?
    @Option(help: "Array of a .mat --hsi, as MATLAB names it (e.g. hsi.Data).") var hsiVariable: String?
    @Option(help: "Array of a .mat --lidar (e.g. hsi.Lidar{1}.z).") var lidarVariable: String?
    @Option(help: "Array of a .mat --reference.") var referenceVariable: String?
    @Option(parsing: .unconditional, help: "Label value of the reference marking unlabelled pixels besides 0.") var unlabelled = RemoteClassifyOptions().unlabelled
    @Flag(help: "Also write per-class probability rasters.") var probabilities = false
    @Option(help: "Lines classified per step.") var tileLines = RemoteClassifyOptions().tileLines
    @Option(help: "Pixels per forward pass (bounds memory).") var batchSize = RemoteClassifyOptions().batchSize
    @Flag(help: "Print the result as JSON.") var json = false
    @Flag(help: "No progress output.") var quiet = false
    @Option(help: "Compute threads (default: one per core).") var threads: Int = 0
    @Option(help: .hidden) var protocolSha256: String?

    var options: RemoteClassifyOptions {
        var o = RemoteClassifyOptions()
        o.hsi = hsi; o.lidar = lidar
        for file in scene {
            let isLAS = (try? FileHeader.read(path: file, count: 4))?.starts(with: Array("LASF".utf8)) ?? false
            if isLAS || o.hsi != nil { o.lidar = o.lidar ?? file } else { o.hsi = file }
        }
        o.model = model; o.reference = reference; o.probabilities = probabilities
        o.hsiVariable = hsiVariable; o.lidarVariable = lidarVariable; o.referenceVariable = referenceVariable
        o.unlabelled = unlabelled
        o.tileLines = tileLines; o.batchSize = batchSize
        return o
    }

    func validate() throws { try usage { try options.validate() } }

    func run() throws {
        applyComputeThreads(threads)
        var job = SceneClassification(options: options)
        job.progress = .automatic(quiet: quiet || json)
        do {
            let result = try job.run(out: URL(fileURLWithPath: out))
            var o: JSONObject = ["out": .string(out), "pixels": .int(result.pixels), "seconds": .number(result.seconds),
                                 "files": .array(result.files.map { .string($0) })]
            if let protocolSha256 { o["protocol_sha256"] = .string(protocolSha256) }
            if let a = result.accuracy { o["metrics"] = .object(a.json) }
            if json {
                print(JSONValue.object(o).serialized(pretty: true))
            } else {
                if let a = result.accuracy { print(a.summary, terminator: "") }
                print(String(format: "classified %d pixels in %.1f s; wrote %@", result.pixels, result.seconds,
                             result.files.map { "\(out)/\($0)" }.joined(separator: ", ")))
            }
        } catch { throw fail(error) }
    }
}
