// The options of `reticle remote synth`: the size and seed of a generated co-registered scene.

import Foundation
import Shared

public struct RemoteSynthOptions: CommandOptions {
    public static let command = "remote synth"
    public var samples = 64
    public var lines = 64
    public var bands = 16
    public var seed: UInt64 = 1

    public init() {}

    public func validate() throws {
        guard (8...4096).contains(samples), (8...4096).contains(lines) else {
            throw ReticleError(.usage, "--samples and --lines must be 8…4096, got \(samples) × \(lines)")
        }
        guard (2...1024).contains(bands) else { throw ReticleError(.usage, "--bands must be 2…1024, got \(bands)") }
    }

    public func generator() throws -> FusionSceneGenerator {
        try validate()
        return FusionSceneGenerator(samples: samples, lines: lines, bands: bands, seed: seed)
    }
}
