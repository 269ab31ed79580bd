// The Snakemake workflow in protocols/cluster run locally on two cores: two shard jobs of
// `reticle med slides` over two generated slides, then the merge job; the merged tables hold
// both slides once. Needs Snakemake in the project venv (`scripts/setup --snakemake`); skipped
// with that instruction when .venv-snakemake is absent.

import Foundation
import Shared
import TestSupport
import XCTest

final class ClusterWorkflowCLITests: XCTestCase {
    func testSnakemakeRunsOneJobPerShardThenMerges() throws {
        let snakemake = Corpus.projectRoot.appendingPathComponent(".venv-snakemake/bin/snakemake")
        guard FileManager.default.isExecutableFile(atPath: snakemake.path) else {
            throw XCTSkip("Snakemake is not installed in .venv-snakemake: run scripts/setup --snakemake")
        }
        let dir = makeTemporaryDirectory("cluster-workflow")
        let archive = dir.appendingPathComponent("archive")
        try FileManager.default.createDirectory(at: archive, withIntermediateDirectories: true)
        for (seed, extra) in [(1, [String]()), (3, ["--no-tumour"])] {
            let r = try ReticleProcess.run(["med", "synth-slide", archive.appendingPathComponent("s\(seed).tif").path, "--seed", "\(seed)",
                                            "--width", "1024", "--height", "768"] + extra)
            XCTAssertEqual(r.status, 0, r.stderr)
        }
        let out = dir.appendingPathComponent("out")
        let model = Corpus.projectRoot.appendingPathComponent("fixtures/models/slide-demo.safetensors").path
        let r = try ReticleProcess.run(["--snakefile", Corpus.projectRoot.appendingPathComponent("protocols/cluster/Snakefile").path,
                                        "--directory", dir.path, "--cores", "2", "--quiet",
                                        "--config", "reticle=\(ReticleProcess.binary.path)", "archive=\(archive.path)",
                                        "model=\(model)", "out=\(out.path)", "shards=2", "threads=1"],
                                       executable: snakemake)
        XCTAssertEqual(r.status, 0, r.stdout + r.stderr)
        // One job per shard, each with its own folder holding its share.
        var perShard: [Int] = []
        for k in 1...2 {
            XCTAssertTrue(FileManager.default.fileExists(atPath: out.appendingPathComponent("shards/\(k).done").path))
            let items = out.appendingPathComponent("shards/\(k)/items")
            perShard.append(((try? FileManager.default.contentsOfDirectory(atPath: items.path)) ?? []).filter { $0.hasSuffix(".json") }.count)
        }
        XCTAssertEqual(perShard.reduce(0, +), 2)
        // The merged folder: both slides, one row each, with their outputs.
        let lines = try String(contentsOf: out.appendingPathComponent("results.jsonl"), encoding: .utf8).split(separator: "\n")
        XCTAssertEqual(lines.count, 2)
        var labels: [String: String] = [:]
        for line in lines {
            let row = try JSONValue.parse(String(line))
            labels[((row["file"]?.stringValue ?? "") as NSString).lastPathComponent] = row["result"]?["label"]?.stringValue
        }
        XCTAssertEqual(labels, ["s1.tif": "tumour", "s3.tif": "normal"])
        XCTAssertTrue(FileManager.default.fileExists(atPath: out.appendingPathComponent("slides/s1.tif/heatmap.png").path))
        XCTAssertTrue(FileManager.default.fileExists(atPath: out.appendingPathComponent("results.csv").path))
    }
}
